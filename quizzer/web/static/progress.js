// The progress page: the figures of `quizzer stats`, read from GET /api/stats and drawn as inline SVG.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const NS = "http://www.w3.org/2000/svg";
  // Charts are drawn at the width they get (text stays its size on a phone), and again when it changes.
  const chartWidth = (container) => Math.max(300, Math.min(760, container.clientWidth || 640));

  function svg(tag, attributes, parent) {
    const element = document.createElementNS(NS, tag);
    for (const [name, value] of Object.entries(attributes || {})) element.setAttribute(name, value);
    if (parent) parent.append(element);
    return element;
  }

  function label(parent, x, y, text, anchor, className) {
    const element = svg("text", { x, y, "text-anchor": anchor || "middle" }, parent);
    if (className) element.setAttribute("class", className);
    element.textContent = text;
    return element;
  }

  const percent = (value) => (value === null || value === undefined ? "–" : `${Math.round(value * 100)}%`);
  const niceMax = (value) => {
    if (value <= 4) return Math.max(1, value);
    const step = Math.pow(10, Math.floor(Math.log10(value)));
    return Math.ceil(value / step) * step;
  };

  function tiles(report) {
    const total = report.total;
    const items = [
      [total.cards, "cards"], [total.due_today, "due today"], [total.due_week, "due this week"],
      [total.new, "new"], [total.learning, "learning"], [percent(total.mastery), "recall now (mastery)"],
      [percent(total.retention_30d), `retention, 30 days (${total.reviews_30d} reviews)`],
      [`${report.streak.days} d`, report.streak.reviewed_today ? "streak (today done)" : "streak"],
      [total.reviews, "reviews in all"],
    ];
    const box = $("tiles");
    box.textContent = "";
    for (const [value, name] of items) {
      const tile = document.createElement("div");
      tile.className = "tile";
      const big = document.createElement("div");
      big.className = "value";
      big.textContent = String(value);
      const small = document.createElement("div");
      small.className = "label";
      small.textContent = name;
      tile.append(big, small);
      box.append(tile);
    }
  }

  // Vertical bars with a value over each; `labels` under them.
  function bars(container, labels, values, options) {
    const WIDTH = chartWidth(container);
    const height = 196, top = 18, bottom = 36, left = 30, right = 8;
    const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-label": options.title });
    const max = niceMax(Math.max(0, ...values));
    const inner = height - top - bottom;
    const slot = (WIDTH - left - right) / values.length;
    for (const fraction of [0, 0.5, 1]) {
      const y = top + inner * (1 - fraction);
      svg("line", { x1: left, x2: WIDTH - right, y1: y, y2: y, class: "axis" }, chart);
      label(chart, left - 6, y + 4, String(Math.round(max * fraction)), "end");
    }
    values.forEach((value, index) => {
      const barHeight = (inner * value) / max;
      const x = left + slot * index + slot * 0.15;
      svg("rect", { x, y: top + inner - barHeight, width: slot * 0.7, height: barHeight, rx: 3, class: options.className }, chart);
      if (value) label(chart, x + slot * 0.35, top + inner - barHeight - 4, String(value), "middle", "value-label");
      const [first, second] = Array.isArray(labels[index]) ? labels[index] : [labels[index], ""];
      label(chart, x + slot * 0.35, height - bottom + 14, first, "middle");
      if (second) label(chart, x + slot * 0.35, height - bottom + 27, second, "middle");
    });
    container.textContent = "";
    container.append(chart);
  }

  function forecast(report) {
    const days = report.forecast;
    const narrow = chartWidth($("chart-forecast")) < 520;
    const labels = days.map((day, index) => {
      const date = new Date(`${day.day}T00:00:00Z`);
      const weekday = date.toLocaleDateString(undefined, { weekday: narrow ? "narrow" : "short", timeZone: "UTC" });
      return [index === 0 ? (narrow ? "now" : "today") : weekday, String(date.getUTCDate())];
    });
    bars($("chart-forecast"), labels, days.map((day) => day.due), { title: "cards due per day", className: "bar-due" });
  }

  // Reviews per day as bars, retention (the share not rated Again) as a line on a 0-100 % scale.
  function retention(report) {
    const history = report.retention_history;
    const container = $("chart-retention");
    if (!history.some((day) => day.reviews)) {
      container.textContent = "";
      const note = document.createElement("p");
      note.className = "empty";
      note.textContent = "No scheduled reviews in the last 30 days yet.";
      container.append(note);
      return;
    }
    const WIDTH = chartWidth(container);
    const height = 200, top = 14, bottom = 30, left = 36, right = 36;
    const inner = height - top - bottom;
    const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-label": "retention per day" });
    const max = niceMax(Math.max(...history.map((day) => day.reviews)));
    const slot = (WIDTH - left - right) / history.length;
    for (const fraction of [0, 0.5, 1]) {
      const y = top + inner * (1 - fraction);
      svg("line", { x1: left, x2: WIDTH - right, y1: y, y2: y, class: "axis" }, chart);
      label(chart, left - 6, y + 4, `${Math.round(fraction * 100)}%`, "end");
      label(chart, WIDTH - right + 6, y + 4, String(Math.round(max * fraction)), "start");
    }
    const points = [];
    history.forEach((day, index) => {
      const x = left + slot * index;
      const barHeight = (inner * day.reviews) / max;
      svg("rect", { x: x + slot * 0.15, y: top + inner - barHeight, width: slot * 0.7, height: barHeight, class: "bar-reviews" }, chart);
      if (day.retention !== null) points.push([x + slot / 2, top + inner * (1 - day.retention)]);
      if ((history.length - 1 - index) % 7 === 0) {
        const date = new Date(`${day.day}T00:00:00Z`);
        label(chart, x + slot / 2, height - 10, date.toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" }));
      }
    });
    if (points.length > 1) svg("polyline", { points: points.map((point) => point.join(",")).join(" "), class: "line-retention" }, chart);
    for (const [x, y] of points) svg("circle", { cx: x, cy: y, r: 3.5, class: "dot-retention" }, chart);
    container.textContent = "";
    container.append(chart);
  }

  // One stacked bar per deck: new, learning, review (studied and not learning).
  function states(report) {
    const decks = report.decks;
    const container = $("chart-states");
    const WIDTH = chartWidth(container);
    const rowHeight = 34, left = Math.min(130, Math.round(WIDTH * 0.3)), right = 60;
    const height = decks.length * rowHeight + 10;
    const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-label": "cards by state per deck" });
    const max = Math.max(1, ...decks.map((deck) => deck.cards));
    decks.forEach((deck, index) => {
      const y = 6 + index * rowHeight;
      const room = Math.floor((left - 12) / 7);
      label(chart, left - 8, y + 17, deck.name.length > room ? deck.name.slice(0, room - 1) + "…" : deck.name, "end");
      let x = left;
      const parts = [["new", deck.new], ["learning", deck.learning], ["review", deck.studied - deck.learning]];
      for (const [state, count] of parts) {
        const width = ((WIDTH - left - right) * count) / max;
        if (count > 0) {
          const bar = svg("rect", { x, y, width, height: 24, class: `state-${state}` }, chart);
          svg("title", {}, bar).textContent = `${deck.name}: ${count} ${state}`;
          if (width > 22) label(chart, x + width / 2, y + 16, String(count), "middle", "value-label");
        }
        x += width;
      }
      label(chart, x + 6, y + 16, `${deck.due_today} due`, "start");
    });
    container.textContent = "";
    container.append(chart);
    const legend = document.createElement("div");
    legend.className = "legend";
    for (const [name, text] of [["new", "new"], ["learning", "learning / relearning"], ["review", "in review"]]) {
      const item = document.createElement("span");
      item.className = name;
      item.textContent = text;
      legend.append(item);
    }
    container.append(legend);
  }

  function table(container, headers, rows, textColumns) {
    container.textContent = "";
    if (!rows.length) {
      const note = document.createElement("p");
      note.className = "empty";
      note.textContent = "Nothing yet.";
      container.append(note);
      return;
    }
    const element = document.createElement("table");
    element.className = "data";
    const head = element.createTHead().insertRow();
    headers.forEach((header, index) => {
      const cell = document.createElement("th");
      cell.textContent = header;
      if (textColumns.includes(index)) cell.className = "text";
      head.append(cell);
    });
    const body = element.createTBody();
    for (const row of rows) {
      const line = body.insertRow();
      row.forEach((value, index) => {
        const cell = line.insertCell();
        if (value instanceof Node) cell.append(value);
        else cell.textContent = value;
        if (textColumns.includes(index)) cell.className = "text";
      });
    }
    container.append(element);
  }

  function meter(value) {
    const box = document.createElement("span");
    box.append(percent(value));
    const bar = document.createElement("span");
    bar.className = "meter";
    const fill = document.createElement("span");
    fill.style.width = `${Math.round((value || 0) * 100)}%`;
    bar.append(fill);
    box.append(bar);
    return box;
  }

  function hardest(report) {
    table($("hardest"), ["card", "lapses", "reviews", "recall now"], report.hardest.map((card) => {
      const cell = document.createElement("span");
      const question = document.createElement("span");
      window.QuizzerText.render(question, card.question);
      const name = document.createElement("span");
      name.className = "card-name";
      name.textContent = `${card.deck} · ${card.card_id}`;
      cell.append(question, name);
      return [cell, card.lapses, card.reps, meter(card.retrievability)];
    }), [0]);
  }

  function groups(report) {
    const row = (kind, group) => [kind + group.name, group.cards, group.new, group.learning, group.due_today,
      group.due_week, percent(group.mastery), percent(group.retention_30d), group.reviews];
    table($("groups"), ["deck / #tag", "cards", "new", "learning", "due today", "due week", "mastery", "retention", "reviews"],
      [...report.decks.map((group) => row("", group)), ...report.tags.map((group) => row("#", group))], []);
  }

  function overrides(report) {
    table($("overrides"), ["grader", "graded", "overridden", "rate", "marked right", "marked wrong", "uncertain settled"],
      report.overrides.map((row) => [row.grader, row.graded, row.overridden, percent(row.override_rate),
        row.marked_right, row.marked_wrong, row.settled_uncertain]), []);
  }

  function draw(report) {
    forecast(report);
    retention(report);
    states(report);
  }

  async function load() {
    let report;
    try {
      const response = await fetch("/api/stats", { headers: { Accept: "application/json" } });
      report = await response.json();
      if (!response.ok) throw new Error(report.error || `HTTP ${response.status}`);
    } catch (error) {
      $("error").textContent = `The figures could not be loaded: ${error.message}`;
      $("error").hidden = false;
      return;
    }
    const now = new Date(report.now);
    $("progress-note").textContent = (report.empty ? "Nothing reviewed yet: the figures fill in as you quiz. " : "") +
      `As of ${now.toLocaleString()}; days are UTC days, as in \`quizzer stats\`.`;
    tiles(report);
    draw(report);
    let drawnAt = window.innerWidth;
    window.addEventListener("resize", () => {
      if (Math.abs(window.innerWidth - drawnAt) < 40) return;
      drawnAt = window.innerWidth;
      draw(report);
    });
    hardest(report);
    groups(report);
    overrides(report);
    performance.mark("quizzer:progress-shown");
  }

  load();
})();
