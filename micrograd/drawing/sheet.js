// The worksheet page's checker: the same steps as micrograd.worksheet.judge, on the boxes' data.
// microgradSheet(root) puts an input field over every numbered box and wires up "check";
// microgradJudge(data, given, places) gives the verdicts (given: box number -> number or null; places: box
// number -> the place of the last digit written, null when exact; a number without one has its shortest form's).
// microgradRead(text) reads an answer by the grammar of micrograd/worksheet/answers.py (read_answer): the same steps.

function microgradNumber(x) {  // a number of the embedded data ("nan", "inf", "-inf" stand for themselves)
  if (typeof x !== "string") return x;
  return x === "nan" ? NaN : x === "inf" ? Infinity : -Infinity;
}

// ---- reading an answer: micrograd/worksheet/answers.py, step by step (a test runs one table through both)

var MICROGRAD_UNREADABLE = "write a decimal number such as -0.25 (a fraction such as 1/3, e and pi are fine too)";
var MICROGRAD_FOLD = {
  "\u2212": "-", ",": ".", "\u066b": ".", "\u00d7": "*", "\u00f7": "/", "\u03c0": "pi", "\u3000": " ", "\u00a0": " ",
};
var MICROGRAD_CONSTANTS = { e: Math.E, pi: Math.PI, inf: Infinity, infinity: Infinity, nan: NaN };

function microgradDigit(ch) {  // a Unicode decimal digit's value: digits come in runs of ten, 0 to 9
  const isDigit = (cp) => cp >= 0 && /^\p{Nd}$/u.test(String.fromCodePoint(cp));
  const cp = ch.codePointAt(0);
  if (!isDigit(cp)) return -1;
  let below = 0;
  while (isDigit(cp - below - 1)) below++;
  return below % 10;
}

function microgradFold(text) {
  return Array.from(text, (ch) => {
    const cp = ch.codePointAt(0);
    if (cp >= 0xff01 && cp <= 0xff5e) ch = String.fromCharCode(cp - 0xfee0);
    if (Object.prototype.hasOwnProperty.call(MICROGRAD_FOLD, ch)) return MICROGRAD_FOLD[ch];
    const digit = ch.codePointAt(0) >= 0x80 ? microgradDigit(ch) : -1;
    return digit >= 0 ? String(digit) : ch;
  }).join("");
}

function microgradTokens(text) {
  const token = /[ \t\n\r\f\v]*(?:((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)|([A-Za-z]+)|(\*\*|[-+*\/^()]))/y;
  const tokens = [];
  while (token.lastIndex < text.length) {
    const at = token.lastIndex;
    const found = token.exec(text);
    if (found === null || token.lastIndex === at) return null;
    tokens.push(found[1] !== undefined ? ["number", found[1]] : found[2] !== undefined ? ["name", found[2]] : ["op", found[3]]);
  }
  return tokens;
}

function microgradPower(x, y) {  // C's pow, as Python's float **: 1 ** nan and (-1) ** inf are 1
  if (x === 1 || y === 0 || (x === -1 && (y === Infinity || y === -Infinity))) return 1;
  return Math.pow(x, y);
}

function microgradEvaluate(tokens) {  // the parser of micrograd/worksheet/answers.py: undefined when not a number
  let at = 0;
  let depth = 0;
  const op = (...ops) => {
    if (at < tokens.length && tokens[at][0] === "op" && ops.includes(tokens[at][1])) return tokens[at++][1];
    return null;
  };
  const deeper = (part) => {
    if (++depth > 20) throw new Error("nested too deep");
    const x = part();
    depth--;
    return x;
  };
  const atom = () => {
    if (op("(")) {
      const x = deeper(sum);
      if (!op(")")) throw new Error("( without )");
      return x;
    }
    if (at === tokens.length) throw new Error("a number is missing");
    const [kind, text] = tokens[at++];
    if (kind === "number") return Number(text);
    const name = text.toLowerCase();
    if (kind === "name" && Object.prototype.hasOwnProperty.call(MICROGRAD_CONSTANTS, name)) return MICROGRAD_CONSTANTS[name];
    throw new Error(`not a number: ${text}`);
  };
  const power = () => {
    const x = atom();
    return op("**", "^") ? microgradPower(x, deeper(signed)) : x;
  };
  const signed = () => {
    const sign = op("+", "-");
    if (sign === null) return power();
    const x = deeper(signed);
    return sign === "-" ? -x : x;
  };
  const product = () => {
    let x = signed();
    for (let o = op("*", "/"); o !== null; o = op("*", "/")) {
      const y = signed();
      x = o === "*" ? x * y : x / y;
    }
    return x;
  };
  const sum = () => {
    let x = product();
    for (let o = op("+", "-"); o !== null; o = op("+", "-")) {
      const y = product();
      x = o === "+" ? x + y : x - y;
    }
    return x;
  };
  try {
    const x = sum();
    return at === tokens.length ? x : undefined;
  } catch (e) {
    return undefined;
  }
}

function microgradPlaceWritten(number) {  // "5.440": -3, "544e-2": -2, "12": 0
  const [mantissa, exponent] = number.toLowerCase().split("e");
  const decimals = (mantissa.split(".")[1] || "").length;
  return Math.max(-400, Math.min(400, parseInt(exponent || "0", 10) - decimals));
}

function microgradRead(text) {  // {value, place} (place null: exact), null when empty, undefined when unreadable
  const t = microgradFold(String(text)).replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, "");
  if (t === "") return null;
  const tokens = t.length <= 100 ? microgradTokens(t) : null;
  const value = tokens && tokens.length ? microgradEvaluate(tokens) : undefined;
  if (value === undefined) return undefined;
  const last = tokens[tokens.length - 1];
  const signed = tokens.length === 2 && tokens[0][0] === "op" && (tokens[0][1] === "+" || tokens[0][1] === "-");
  const plain = last[0] === "number" && (tokens.length === 1 || signed);
  return { value, place: plain ? microgradPlaceWritten(last[1]) : null };
}

function microgradPlaceOf(x) {  // as micrograd.worksheet.answers.place_of: the last digit of the shortest form, at most 0
  if (!Number.isFinite(x)) return null;
  const [mantissa, exponent] = x.toExponential().split("e");
  return Math.min(parseInt(exponent, 10) - (mantissa.split(".")[1] || "").length, 0);
}

function microgradRounding(mine, place) {  // as micrograd.worksheet.answers.rounding
  if (mine === 0 || !Number.isFinite(mine) || place === null) return 0;
  return 0.5 * Number(`1e${place}`) * (1 + 1e-9);
}

// ---- judging: micrograd.worksheet.judge

function microgradFormat(x) {  // as micrograd.drawing.numbers.format_number(x, 6)
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x === 0 ? 0 : x);
  const a = Math.abs(x);
  const strip = (s) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  if (a >= 1e-3 && a < 1e4) return strip(x.toFixed(6));
  const parts = x.toExponential(5).split("e");
  const e = parseInt(parts[1], 10);
  if (e >= -4 && e < 6) return strip(x.toFixed(5 - e));
  return strip(parts[0]) + "e" + (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
}

var MICROGRAD_FORWARD = {  // var: a page (a notebook) may hold this script more than once
  "+": (a, b) => a + b, "-": (a, b) => a - b, "*": (a, b) => a * b, "/": (a, b) => a / b,
  "**": (a, b) => Math.pow(a, b), "neg": (a) => -a, "1/x": (a) => 1 / a,
  "max": (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a >= b ? a : b),
  "min": (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a <= b ? a : b),
  "ReLU": (a) => (a < 0 ? 0 : a), "exp": Math.exp, "log": Math.log, "tanh": Math.tanh, "sin": Math.sin,
  "cos": Math.cos, "sigmoid": (a) => 1 / (1 + Math.exp(-a)), "abs": Math.abs, "sqrt": Math.sqrt,
};

function microgradNear(a, b, tolerance) {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= tolerance;
}

function microgradRedo(box, numbers) {
  if (box.kind === "product") return numbers[0] * microgradNumber(box.factor);
  if (box.kind === "sum") return numbers.reduce((s, x) => s + x, 0);
  const forward = MICROGRAD_FORWARD[box.op];
  return forward === undefined ? null : forward(...numbers);
}

function microgradWithin(mine, redone, tolerance) {
  if (redone.every(Number.isFinite) && Number.isFinite(mine)) {
    return Math.min(...redone) - tolerance <= mine && mine <= Math.max(...redone) + tolerance;
  }
  return redone.some((r) => microgradNear(mine, r, tolerance));
}

function microgradSpread(number, mine, places) {  // as micrograd.worksheet.boxes._rounding
  if (number === null) return 0;
  const place = places && Object.prototype.hasOwnProperty.call(places, number) ? places[number] : microgradPlaceOf(mine);
  return microgradRounding(mine, place);
}

function microgradEarlier(box, mine, given, places) {
  const inputs = box.inputs.map((g) => ({ ...g, value: microgradNumber(g.value) }));
  const slack = Math.max(box.tolerance, microgradSpread(box.number, mine, places));
  for (let k = 0; k < inputs.length; k++) {
    const g = inputs[k];
    const theirs = g.box === null ? null : given[g.box];
    if (theirs === null || theirs === undefined || microgradNear(theirs, g.value, g.tolerance)) continue;
    const spread = microgradSpread(g.box, theirs, places);
    const redone = [theirs - spread, theirs, theirs + spread].map((x) =>
      microgradRedo(box, inputs.map((h, j) => (j === k ? x : h.value))));
    if (!redone.includes(null) && microgradWithin(mine, redone, slack)) {
      return `your ${g.name} was ${microgradFormat(theirs)}; with that, your ${box.name} would be right: ` +
        `check ${g.name} (box ${g.box})`;
    }
  }
  return "";
}

function microgradHint(box, mine, given, places) {
  const answer = microgradNumber(box.answer);
  const earlier = microgradEarlier(box, mine, given, places);
  if (earlier) return earlier;
  const slack = Math.max(box.tolerance, microgradSpread(box.number, mine, places));  // the number, to its digits
  if (answer !== 0 && microgradNear(mine, -answer, slack)) return `check the sign: ${box.sign}`;
  const inputs = box.inputs.map((g) => ({ ...g, value: microgradNumber(g.value) }));
  if (box.kind === "product") {
    const upstream = inputs[0];
    const factor = microgradNumber(box.factor);
    if (factor !== 1 && microgradNear(mine, upstream.value, slack)) {
      return `${upstream.name} came back unchanged: multiply it by the local gradient. ${box.how}`;
    }
    if (upstream.value !== 1 && microgradNear(mine, factor, slack)) {
      return `that is the local gradient alone: multiply it by ${upstream.name}. ${box.how}`;
    }
  }
  if (box.kind === "sum" && inputs.some((g) => microgradNear(mine, g.value, slack))) {
    return `that is one use's share only. ${box.how}`;
  }
  return box.how;
}

function microgradJudge(data, given, places) {
  return data.boxes.map((box) => {
    const mine = given[box.number];
    const answer = microgradNumber(box.answer);
    if (mine === null || mine === undefined) return { number: box.number, status: "missing", hint: `fill in ${box.name}` };
    if (microgradNear(mine, answer, box.tolerance)) return { number: box.number, status: "right", hint: "" };
    const spread = microgradSpread(box.number, mine, places);
    if (spread > box.tolerance && microgradNear(mine, answer, spread)) {
      return { number: box.number, status: "imprecise", hint: `right to the digits you gave: give ${box.wanted}` };
    }
    return { number: box.number, status: "wrong", hint: microgradHint(box, mine, given, places) };
  });
}

function microgradSheet(root) {
  const data = JSON.parse(root.querySelector(".mg-data").textContent);
  const byNumber = Object.fromEntries(data.boxes.map((b) => [b.number, b]));
  const svgNs = "http://www.w3.org/2000/svg";
  const inputs = {};
  for (const rect of root.querySelectorAll("rect.mg-answer-box")) {
    const n = rect.getAttribute("data-box");
    const holder = document.createElementNS(svgNs, "foreignObject");
    for (const a of ["x", "y", "width", "height"]) holder.setAttribute(a, rect.getAttribute(a));
    const input = document.createElement("input");
    input.type = "text";
    input.inputMode = "decimal";
    input.className = "mg-answer-input";
    input.dataset.box = n;
    input.tabIndex = Number(n);  // Tab goes through the boxes in the order they are worked out
    input.setAttribute("aria-label", `box ${n}: ${byNumber[n] ? byNumber[n].name : ""}`);
    input.style.fontSize = `${0.8 * parseFloat(rect.getAttribute("height"))}px`;
    input.style.paddingLeft = `${parseFloat(rect.getAttribute("data-pad") || "0") + 1}px`;  // right of the number
    holder.appendChild(input);
    rect.parentNode.appendChild(holder);
    inputs[n] = input;
  }
  const table = root.querySelector(".mg-results");
  const score = root.querySelector(".mg-score");
  root.querySelector(".mg-check").addEventListener("click", () => {
    const given = {};
    const places = {};
    const unreadable = new Set();
    for (const [n, input] of Object.entries(inputs)) {
      const answer = microgradRead(input.value);
      if (answer === undefined) unreadable.add(n);
      given[n] = answer ? answer.value : null;
      places[n] = answer ? answer.place : null;
    }
    const verdicts = microgradJudge(data, given, places);
    const body = table.querySelector("tbody");
    body.textContent = "";
    let right = 0;
    for (const v of verdicts) {
      const box = byNumber[v.number];
      const input = inputs[v.number];
      if (input) input.className = `mg-answer-input mg-${v.status}`;
      right += v.status === "right";
      const row = document.createElement("tr");
      row.className = `mg-${v.status}`;
      row.dataset.box = v.number;
      const hint = unreadable.has(String(v.number)) ? `cannot read "${input.value}" as a number: ${MICROGRAD_UNREADABLE}` : v.hint;
      for (const text of [v.number, box.name, input ? input.value : "", v.status, hint]) {
        const cell = document.createElement("td");
        cell.textContent = String(text);
        row.appendChild(cell);
      }
      body.appendChild(row);
    }
    table.hidden = false;
    score.textContent = `${right} of ${verdicts.length} right`;
  });
}
