// Card text made readable: formulas in \( \), \[ \], $ $ or $$ $$ are set in a math face with Greek letters,
// operators, fractions, superscripts and subscripts; outside them, x^2 gets its superscript. Everything is
// built with text nodes and <sup>/<sub> elements: no text is ever parsed as HTML.
"use strict";
window.QuizzerText = (function () {
  const SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ", eta: "η",
    theta: "θ", vartheta: "ϑ", iota: "ι", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π",
    rho: "ρ", sigma: "σ", tau: "τ", upsilon: "υ", phi: "φ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω",
    Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Xi: "Ξ", Pi: "Π", Sigma: "Σ", Phi: "Φ", Psi: "Ψ",
    Omega: "Ω", times: "×", cdot: "·", div: "÷", pm: "±", mp: "∓", leq: "≤", le: "≤", geq: "≥", ge: "≥",
    neq: "≠", ne: "≠", approx: "≈", sim: "∼", simeq: "≃", propto: "∝", equiv: "≡", ll: "≪", gg: "≫",
    to: "→", rightarrow: "→", leftarrow: "←", Rightarrow: "⇒", Leftarrow: "⇐", leftrightarrow: "↔",
    Leftrightarrow: "⇔", mapsto: "↦", infty: "∞", sum: "∑", prod: "∏", int: "∫", partial: "∂",
    nabla: "∇", in: "∈", notin: "∉", subset: "⊂", subseteq: "⊆", cup: "∪", cap: "∩", forall: "∀",
    exists: "∃", emptyset: "∅", ldots: "…", cdots: "⋯", dots: "…", vdots: "⋮", langle: "⟨", rangle: "⟩",
    top: "⊤", odot: "⊙", otimes: "⊗", oplus: "⊕", circ: "∘", star: "⋆", ell: "ℓ", mid: "|", vert: "|",
    lvert: "|", rvert: "|", Vert: "‖", lVert: "‖", rVert: "‖", lfloor: "⌊", rfloor: "⌋", lceil: "⌈",
    rceil: "⌉", neg: "¬", land: "∧", lor: "∨", quad: "\u2003", qquad: "\u2003\u2003", ",": "\u2009",
    ":": "\u2005", ";": "\u2005", "!": "", " ": " ", "{": "{", "}": "}", "%": "%", "$": "$", "#": "#",
    "&": "&", "_": "_", "\\": " ",
  };
  // Operator names print upright, as words.
  const WORDS = new Set(["log", "ln", "exp", "max", "min", "arg", "argmax", "argmin", "sin", "cos", "tan",
    "tanh", "sigmoid", "softmax", "det", "dim", "lim", "sup", "inf", "Pr", "mod", "sgn"]);
  const TEXT_ARGUMENT = new Set(["text", "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathcal",
    "mathbb", "boldsymbol", "operatorname", "textbf", "textit", "bm"]);
  const ACCENTS = { hat: "\u0302", bar: "\u0304", tilde: "\u0303", vec: "\u20d7", dot: "\u0307", ddot: "\u0308" };

  // A small TeX reader: returns a fragment of text, <sup> and <sub> nodes.
  function tex(source) {
    let at = 0;
    function group() {  // one argument: {…} or a single token
      skipSpaces();
      if (source[at] === "{") {
        at += 1;
        const fragment = sequence("}");
        at += 1;
        return fragment;
      }
      return sequence(null, true);
    }
    function skipSpaces() { while (source[at] === " ") at += 1; }
    function command() {
      at += 1;  // the backslash
      let name = source[at] || "";
      if (/[A-Za-z]/.test(name)) name = source.slice(at).match(/^[A-Za-z]+/)[0];
      at += name.length;
      const fragment = document.createDocumentFragment();
      if (name === "frac" || name === "dfrac" || name === "tfrac") {
        const top = group(), bottom = group();
        fragment.append(wrap(top), "⁄", wrap(bottom));
      } else if (name === "sqrt") {
        fragment.append("√", wrap(group(), true));
      } else if (TEXT_ARGUMENT.has(name)) {
        const argument = group();
        if (name === "operatorname" || name === "text" || name === "mathrm") {
          const word = document.createElement("span");
          word.className = "upright";
          word.append(argument);
          fragment.append(word);
        } else {
          fragment.append(argument);
        }
      } else if (ACCENTS[name]) {
        const argument = group();
        fragment.append(argument.textContent + ACCENTS[name]);
      } else if (name === "left" || name === "right" || name === "big" || name === "Big" || name === "displaystyle") {
        // sizing only
      } else if (WORDS.has(name)) {
        const word = document.createElement("span");
        word.className = "upright";
        word.textContent = name;
        fragment.append(word);
      } else if (Object.prototype.hasOwnProperty.call(SYMBOLS, name)) {
        fragment.append(SYMBOLS[name]);
      } else {
        fragment.append("\\" + name);  // unknown: shown as written
      }
      return fragment;
    }
    // Parenthesised when it is more than one character, so a/b reads right.
    function wrap(fragment, always) {
      const text = fragment.textContent;
      if (!always && text.length <= 1) return fragment;
      if (/^\(.*\)$/.test(text)) return fragment;
      const outer = document.createDocumentFragment();
      outer.append("(", fragment, ")");
      return outer;
    }
    function sequence(stop, single) {
      const fragment = document.createDocumentFragment();
      while (at < source.length && source[at] !== stop) {
        const char = source[at];
        if (char === "\\") {
          fragment.append(command());
        } else if (char === "{") {
          at += 1;
          fragment.append(sequence("}"));
          at += 1;
        } else if (char === "}") {  // unbalanced: shown
          at += 1;
          fragment.append("}");
        } else if (char === "^" || char === "_") {
          at += 1;
          const script = document.createElement(char === "^" ? "sup" : "sub");
          script.append(group());
          fragment.append(script);
        } else {
          at += 1;
          fragment.append(char === "~" ? "\u00a0" : char);
        }
        if (single) break;
      }
      return fragment;
    }
    return sequence(undefined);
  }

  function math(source, display) {
    const span = document.createElement("span");
    span.className = display ? "math display" : "math";
    span.title = source.trim();
    try {
      span.append(tex(source.trim()));
    } catch (error) {
      span.textContent = source;
    }
    return span;
  }

  // Outside formulas: x^2, T^{-1}, (n+1)^k get a superscript; nothing else changes.
  const POWER = /([A-Za-z0-9)\]])\^(\{[^{}]{1,20}\}|-?[A-Za-z0-9]{1,4})/g;
  function plain(text, parent) {
    let last = 0;
    for (const match of text.matchAll(POWER)) {
      parent.append(text.slice(last, match.index) + match[1]);
      const sup = document.createElement("sup");
      sup.textContent = match[2].replace(/^\{|\}$/g, "");
      parent.append(sup);
      last = match.index + match[0].length;
    }
    parent.append(text.slice(last));
  }

  // \[…\], $$…$$, \(…\), and $…$ as pandoc reads it (no space inside the dollars, no digit right after).
  const FORMULA = /\\\[([\s\S]+?)\\\]|\$\$([\s\S]+?)\$\$|\\\(([\s\S]+?)\\\)|\$(?=\S)((?:[^$\\\n]|\\.)+?)(?<=\S)\$(?!\d)/g;

  function render(element, text) {
    element.textContent = "";
    text = text || "";
    let last = 0;
    for (const match of text.matchAll(FORMULA)) {
      plain(text.slice(last, match.index), element);
      const display = match[1] !== undefined || match[2] !== undefined;
      element.append(math(match[1] ?? match[2] ?? match[3] ?? match[4], display));
      last = match.index + match[0].length;
    }
    plain(text.slice(last), element);
  }

  return { render, tex };
})();
