// The worksheet page's checker: the same steps as micrograd.worksheet.judge, on the boxes' data.
// microgradSheet(root) puts an input field over every numbered box and wires up "check";
// microgradJudge(data, given) gives the verdicts (given: box number -> number or null).

function microgradNumber(x) {  // a number of the embedded data ("nan", "inf", "-inf" stand for themselves)
  if (typeof x !== "string") return x;
  return x === "nan" ? NaN : x === "inf" ? Infinity : -Infinity;
}

function microgradParse(text) {  // as micrograd.worksheet.parse_number: null when empty, NaN when unreadable
  const t = String(text).trim().replace(/\u2212/g, "-").replace(/,/g, ".");
  if (t === "") return null;
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

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

function microgradEarlier(box, mine, given) {
  const inputs = box.inputs.map((g) => ({ ...g, value: microgradNumber(g.value) }));
  for (let k = 0; k < inputs.length; k++) {
    const g = inputs[k];
    const theirs = g.box === null ? null : given[g.box];
    if (theirs === null || theirs === undefined || microgradNear(theirs, g.value, g.tolerance)) continue;
    const redone = microgradRedo(box, inputs.map((h, j) => (j === k ? theirs : h.value)));
    if (redone !== null && microgradNear(mine, redone, box.tolerance)) {
      return `your ${g.name} was ${microgradFormat(theirs)}; with that, your ${box.name} would be right: ` +
        `check ${g.name} (box ${g.box})`;
    }
  }
  return "";
}

function microgradHint(box, mine, given) {
  const answer = microgradNumber(box.answer);
  const earlier = microgradEarlier(box, mine, given);
  if (earlier) return earlier;
  if (answer !== 0 && microgradNear(mine, -answer, box.tolerance)) return `check the sign: ${box.sign}`;
  const inputs = box.inputs.map((g) => ({ ...g, value: microgradNumber(g.value) }));
  if (box.kind === "product") {
    const upstream = inputs[0];
    const factor = microgradNumber(box.factor);
    if (factor !== 1 && microgradNear(mine, upstream.value, box.tolerance)) {
      return `${upstream.name} came back unchanged: multiply it by the local gradient. ${box.how}`;
    }
    if (upstream.value !== 1 && microgradNear(mine, factor, box.tolerance)) {
      return `that is the local gradient alone: multiply it by ${upstream.name}. ${box.how}`;
    }
  }
  if (box.kind === "sum" && inputs.some((g) => microgradNear(mine, g.value, box.tolerance))) {
    return `that is one use's share only. ${box.how}`;
  }
  return box.how;
}

function microgradJudge(data, given) {
  return data.boxes.map((box) => {
    const mine = given[box.number];
    if (mine === null || mine === undefined) return { number: box.number, status: "missing", hint: `fill in ${box.name}` };
    if (microgradNear(mine, microgradNumber(box.answer), box.tolerance)) return { number: box.number, status: "right", hint: "" };
    return { number: box.number, status: "wrong", hint: microgradHint(box, mine, given) };
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
    const unreadable = new Set();
    for (const [n, input] of Object.entries(inputs)) {
      const x = microgradParse(input.value);
      if (x === undefined) unreadable.add(n);
      given[n] = x === undefined ? null : x;
    }
    const verdicts = microgradJudge(data, given);
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
      const hint = unreadable.has(String(v.number)) ? `cannot read "${input.value}" as a number` : v.hint;
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
