// The quiz page: answer, see the grade, accept / override / settle / skip, the summary at the end.
// Talks to the JSON API only; puts text into the page with textContent (QuizzerText for card text).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const render = window.QuizzerText.render;
  const page = {
    quiz: $("quiz"), meta: $("card-meta"), last: $("last-action"), question: $("question"), form: $("answer-form"),
    answer: $("answer"), submit: $("submit"), reveal: $("reveal"), busy: $("busy"), grade: $("grade"),
    verdict: $("verdict"), probability: $("probability"), grader: $("grader"), feedback: $("feedback"),
    reason: $("reason"), points: $("key-points"), yours: $("your-answer"), yoursBlock: $("your-answer-block"),
    reference: $("reference"), notes: $("notes"), notesBlock: $("notes-block"), rating: $("rating-line"),
    actions: $("actions"), done: $("done"), doneTitle: $("done-title"), doneText: $("done-text"),
    rows: $("summary-rows"), doneLinks: $("done-links"), error: $("error"), status: $("model-status"),
  };
  let state = JSON.parse($("quiz-data").textContent);
  let grade = null;  // the grade on screen while it waits for a decision
  let busy = false;

  const VERDICT_CLASS = {
    correct: "v-correct", partial: "v-partial", incorrect: "v-incorrect", uncertain: "v-uncertain",
    "could not grade": "v-uncertain",
  };
  const PHASES = {
    "loading the model": "Grading… (the model is still loading)",
    grading: "Grading…",
    "asking the judge": "Asking the judge…",
  };

  async function api(method, path, body) {
    const options = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (error) {
      throw new Error("The quizzer server cannot be reached: is `quizzer serve` still running?");
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (!response.ok) {
      const message = data && data.error ? data.error : `HTTP ${response.status}`;
      throw new Error(data && data.hint ? `${message} (${data.hint})` : message);
    }
    return data;
  }

  function showError(message) {
    page.error.textContent = message || "";
    page.error.hidden = !message;
  }

  function show(next) {
    state = next;
    if (next.url) history.replaceState(null, "", next.url);
    grade = next.pending;
    if (!next.card) {
      showDone(next);
      return;
    }
    showCard(next.card);
    if (next.pending) {
      showGrade(next.pending);
    } else {
      page.grade.hidden = true;
      page.form.hidden = false;
      setAnswering(true);
      page.answer.focus();
    }
  }

  function showCard(card) {
    page.quiz.hidden = false;
    page.done.hidden = true;
    const flags = [card.deck, card.card_id];
    if (card.is_new) flags.push("new");
    if (card.edited) flags.push("edited since last seen");
    page.meta.textContent = `Question ${card.number} of ${card.total} · ${flags.join(" · ")}`;
    render(page.question, card.question);
    if (page.question.dataset.card !== `${card.deck}/${card.card_id}`) page.answer.value = "";
    page.question.dataset.card = `${card.deck}/${card.card_id}`;
    performance.mark("quizzer:question-shown");
  }

  function setAnswering(enabled) {
    page.answer.disabled = !enabled;
    page.submit.disabled = !enabled;
    page.reveal.disabled = !enabled;
  }

  function setBusy(text) {
    page.busy.textContent = text || "";
    page.busy.hidden = !text;
  }

  // While an answer is graded, the server says what it is doing (loading the model, asking the judge).
  function watchGrading() {
    let stopped = false;
    const tick = async () => {
      if (stopped) return;
      try {
        const status = await api("GET", "/api/status");
        if (!stopped && status.phase) setBusy(PHASES[status.phase] || "Grading…");
        showModelStatus(status);
      } catch (error) { /* the answer's own request reports problems */ }
      if (!stopped) setTimeout(tick, 250);
    };
    setTimeout(tick, 120);
    return () => { stopped = true; };
  }

  async function submit(text) {
    if (busy || !state.card || grade) return;
    busy = true;
    showError("");
    setAnswering(false);
    const reveal = text.trim() === "" || text.trim() === "?";
    setBusy(reveal ? "" : "Grading…");
    performance.mark("quizzer:answer-submitted");
    const stopWatching = reveal ? () => {} : watchGrading();
    try {
      const result = await api("POST", "/api/answer", {
        session: state.session, deck: state.card.deck, card_id: state.card.card_id, answer: text,
      });
      state.pending = result;
      grade = result;
      showGrade(result);
    } catch (error) {
      showError(error.message);
      setAnswering(true);
    } finally {
      stopWatching();
      setBusy("");
      busy = false;
    }
  }

  function keyButton(label, key, action, primary) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = primary ? "primary" : "";
    const kbd = document.createElement("kbd");
    kbd.textContent = key;
    button.append(kbd, " " + label);
    button.addEventListener("click", () => act(action));
    return button;
  }

  function actionsFor(shown) {
    if (shown.needs_decision) {
      return [["Right", "r", "decide-correct"], ["Partly right", "p", "decide-partial"],
              ["Wrong", "w", "decide-incorrect"], ["Skip", "s", "skip"]];
    }
    if (shown.kind === "reveal") return [["Next (recorded as Again)", "Enter", "accept"], ["Skip", "s", "skip"]];
    return [[`Accept (${shown.rating_name})`, "Enter", "accept"], ["Mark right", "r", "right"],
            ["Mark wrong", "w", "wrong"], ["Skip", "s", "skip"]];
  }

  function showGrade(shown) {
    page.form.hidden = true;
    const reveal = shown.kind === "reveal";
    page.grade.className = "grade " + (reveal ? "v-incorrect" : VERDICT_CLASS[shown.verdict] || "");
    page.verdict.textContent = reveal ? "Revealed without answering" : shown.verdict.toUpperCase();
    page.probability.textContent = !reveal && shown.probability !== null
      ? `probability correct ${Math.round(shown.probability * 100)}%` : "";
    page.grader.textContent = reveal ? "" : `[${shown.decided_by}]`;
    page.feedback.textContent = reveal ? "" : shown.feedback || "";
    page.feedback.hidden = reveal || !shown.feedback;
    page.reason.textContent = shown.reason && shown.verdict === "could not grade"
      ? `Why: ${shown.reason}${shown.hint ? ` (${shown.hint})` : ""}` : "";
    page.reason.hidden = !page.reason.textContent;
    page.points.textContent = "";
    for (const point of shown.covered_key_points) addPoint(point, "covered", "✓", "");
    for (const point of shown.missing_key_points) {
      const contradicted = shown.contradicted_key_points.includes(point);
      addPoint(point, contradicted ? "contradicted" : "missing", "✗", contradicted ? "contradicted" : "missing");
    }
    page.points.hidden = !page.points.childNodes.length;
    page.yoursBlock.hidden = reveal;
    page.yours.textContent = shown.answer;
    render(page.reference, shown.reference);
    page.notesBlock.hidden = !shown.notes;
    render(page.notes, shown.notes);
    if (shown.needs_decision) {
      page.rating.textContent = "Not scheduled until you decide: was it right?";
      page.rating.className = "rating-line decide";
    } else {
      const due = shown.due_in ? ` (due again ${shown.due_in})` : shown.cram ? " (cram: the schedule is not changed)" : "";
      page.rating.textContent = `Will record: ${shown.rating_name}${due}`;
      page.rating.className = "rating-line";
    }
    page.actions.textContent = "";
    actionsFor(shown).forEach(([label, key, action], index) => {
      page.actions.append(keyButton(label, key, action, index === 0));
    });
    page.grade.hidden = false;
    page.grade.focus({ preventScroll: true });
    page.grade.scrollIntoView({ block: "nearest" });
    performance.mark("quizzer:grade-shown");
  }

  function addPoint(text, kind, mark, note) {
    const item = document.createElement("li");
    item.className = kind;
    const sign = document.createElement("span");
    sign.className = "mark";
    sign.textContent = mark;
    const body = document.createElement("span");
    render(body, text);
    item.append(sign, body);
    if (note) {
      const label = document.createElement("span");
      label.className = "note";
      label.textContent = ` (${note})`;
      item.append(label);
    }
    page.points.append(item);
  }

  const REQUESTS = {
    accept: ["accept", {}, "Accepted"],
    right: ["override", { verdict: "correct" }, "Marked right"],
    wrong: ["override", { verdict: "incorrect" }, "Marked wrong"],
    skip: ["skip", {}, "Skipped: this review will not count"],
    "decide-correct": ["decide", { verdict: "correct" }, "Marked right"],
    "decide-partial": ["decide", { verdict: "partial" }, "Marked partly right"],
    "decide-incorrect": ["decide", { verdict: "incorrect" }, "Marked wrong"],
  };

  async function act(action) {
    if (busy || !grade) return;
    const [endpoint, body, said] = REQUESTS[action];
    busy = true;
    showError("");
    for (const button of page.actions.querySelectorAll("button")) button.disabled = true;
    try {
      const result = await api("POST", `/api/reviews/${grade.review_id}/${endpoint}`, body);
      page.last.textContent = result.rating_name ? `${said}: ${result.rating_name}` : said;
      page.last.hidden = false;
      show(result.next);
    } catch (error) {
      showError(error.message);
      for (const button of page.actions.querySelectorAll("button")) button.disabled = false;
    } finally {
      busy = false;
    }
  }

  function keysFor(shown) {
    if (shown.needs_decision) return { r: "decide-correct", p: "decide-partial", w: "decide-incorrect", s: "skip" };
    if (shown.kind === "reveal") return { enter: "accept", s: "skip" };
    return { enter: "accept", r: "right", w: "wrong", s: "skip" };
  }

  function showDone(next) {
    page.quiz.hidden = true;
    page.grade.hidden = true;
    page.done.hidden = false;
    const summary = next.summary;
    const decks = next.quiz.decks.length ? next.quiz.decks.join(", ") : "the served decks";
    page.rows.textContent = "";
    page.doneLinks.textContent = "";
    const fresh = new URL(next.url, location.href);
    fresh.searchParams.delete("session");
    if (summary.reviewed === 0) {
      page.doneTitle.textContent = "Nothing due";
      page.doneText.textContent = `Nothing due in ${decks}` +
        (next.next_due_in ? `; the next card is due ${next.next_due_in}.` : ".");
      const learn = new URL(fresh);
      learn.searchParams.set("new", "5");
      const cram = new URL(fresh);
      cram.searchParams.set("cram", "1");
      addLink("Learn 5 new cards", learn, true);
      addLink("Cram anyway", cram, false);
    } else {
      page.doneTitle.textContent = "Session summary";
      page.doneText.textContent = "Every grade was saved as it was shown.";
      for (const [label, value] of summary.rows) {
        const row = page.rows.insertRow();
        const head = document.createElement("th");
        head.textContent = label;
        row.append(head);
        row.insertCell().textContent = value;
      }
      addLink("Another session", fresh, true);
    }
    addLink("Choose decks", new URL("/", location.href), false);
    addLink("Progress", new URL("/progress", location.href), false);
  }

  function addLink(label, url, primary) {
    const link = document.createElement("a");
    link.className = primary ? "button primary" : "button";
    link.href = url.pathname + url.search;
    link.textContent = label;
    page.doneLinks.append(link);
  }

  function showModelStatus(status) {
    page.status.hidden = false;
    page.status.textContent = status.model_ready ? `${status.grader} grader ready` : "loading the model…";
    page.status.className = status.model_ready ? "pill ready" : "pill loading";
  }

  // Until the model is loaded, the header says so (the first answer then waits for it).
  async function watchModel() {
    try {
      const status = await api("GET", "/api/status");
      showModelStatus(status);
      if (!status.model_ready) setTimeout(watchModel, 1000);
    } catch (error) { /* shown on the next action */ }
  }

  page.form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(page.answer.value);
  });
  page.answer.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit(page.answer.value);
    }
  });
  page.reveal.addEventListener("click", () => submit(""));
  document.addEventListener("keydown", (event) => {
    if (!grade || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    const target = event.target;
    const tag = target && target.tagName;
    if (tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT") return;
    const key = event.key.toLowerCase();
    if (key === "enter" && (tag === "BUTTON" || tag === "A")) return;  // the focused control answers Enter itself
    const action = keysFor(grade)[key];
    if (action) {
      event.preventDefault();
      act(action);
    }
  });

  show(state);
  watchModel();
})();
