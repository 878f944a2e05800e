// micrograd.live: the page of a live circuit (an anywidget ES module; no imports, no network).
//
// The kernel sends the picture once (trait "svg", laid out with room for every number) and, at each
// change, "state": the numbers to write into the picture by element id, each element's chain rule,
// the backward pass's steps, the inputs. The page sends what the learner does as messages:
// {set: {name: value}}, {nudge: {rate, inputs, ascent}}, {check: h or null}.
// Keys are handled inside the widget and stopped there: a notebook's shortcuts never see them.

function make(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function render({ model, el }) {
  const root = make("div", "mg-live");
  root.tabIndex = 0;
  root.setAttribute("data-lm-suppress-shortcuts", "true"); // JupyterLab: no command shortcuts in here
  const inputsBox = make("div", "mg-live-inputs");
  const picture = make("div", "mg-live-picture");
  const output = make("div", "mg-live-output");
  const bar = make("div", "mg-live-bar");
  const rule = make("pre", "mg-live-rule", "click a wire or a node: its chain rule, with numbers");
  rule.setAttribute("aria-live", "polite");
  root.append(inputsBox, output, picture, bar, rule);
  el.appendChild(root);

  // -- the controls under the picture: nudge, check, steps
  const nudgeButton = make("button", "mg-nudge", "nudge");
  nudgeButton.type = "button";
  nudgeButton.title = "one gradient step on the chosen inputs";
  const rate = make("input", "mg-rate");
  Object.assign(rate, { type: "number", value: "0.1", step: "any", min: "0" });
  rate.setAttribute("aria-label", "rate");
  const direction = make("select", "mg-direction");
  for (const [v, t] of [["ascent", "up the output"], ["descent", "down the output"]]) {
    const o = make("option", "", t);
    o.value = v;
    direction.appendChild(o);
  }
  const checkBox = make("input", "mg-check");
  checkBox.type = "checkbox";
  const checkLabel = make("label", "mg-check-label");
  checkLabel.append(checkBox, document.createTextNode(" check, h = "));
  const h = make("input", "mg-h");
  Object.assign(h, { type: "number", value: "0.00001", step: "any", min: "0" });
  h.setAttribute("aria-label", "h");
  const prev = make("button", "mg-prev", "◀");
  const next = make("button", "mg-next", "▶");
  const all = make("button", "mg-all", "all");
  for (const b of [prev, next, all]) b.type = "button";
  prev.title = "a step back in the backward pass (←)";
  next.title = "the next step of the backward pass (→)";
  all.title = "every gradient (End)";
  const counter = make("span", "mg-counter", "");
  const timing = make("span", "mg-timing", "");
  const rateLabel = make("span", "", "rate");
  bar.append(nudgeButton, rateLabel, rate, direction, make("span", "mg-sep", "|"), checkLabel, h,
    make("span", "mg-sep", "|"), make("span", "", "backward:"), prev, counter, next, all, timing);

  let state = model.get("state") || {};
  let step = -1; // -1: every gradient shown; else the backward pass up to this step
  let selected = null;
  let inFlight = false, pending = null, sentAt = 0;
  const rows = {};

  function send(message) {
    sentAt = performance.now();
    model.send(message);
  }

  function request(values) { // one "set" at a time: while one is out, keep only the latest
    if (inFlight) { pending = Object.assign(pending || {}, values); return; }
    inFlight = true;
    send({ set: values });
    setTimeout(() => { inFlight = false; }, 2000); // never stuck if an answer is lost
  }

  function inputRow(inp) {
    const row = make("div", "mg-live-input");
    row.setAttribute("data-name", inp.name);
    const chosen = make("input", "mg-chosen");
    chosen.type = "checkbox";
    chosen.checked = true;
    chosen.title = "nudge this input";
    const name = make("span", "mg-name", inp.name);
    const slider = make("input", "mg-slider");
    slider.type = "range";
    slider.setAttribute("aria-label", inp.name);
    const field = make("input", "mg-field");
    Object.assign(field, { type: "number", step: "any" });
    field.setAttribute("aria-label", inp.name + " value");
    const grad = make("span", "mg-grad", "");
    const numerical = make("span", "mg-numerical", "");
    row.append(chosen, name, slider, field, grad, numerical);
    slider.addEventListener("input", () => {
      field.value = slider.value;
      request({ [inp.name]: parseFloat(slider.value) });
    });
    field.addEventListener("change", () => {
      const x = parseFloat(field.value);
      if (Number.isFinite(x)) request({ [inp.name]: x });
    });
    return { row, chosen, slider, field, grad, numerical };
  }

  function showInputs() {
    const output = state.output || { name: "f" };
    for (const inp of state.inputs || []) {
      let r = rows[inp.name];
      if (!r) { r = rows[inp.name] = inputRow(inp); inputsBox.appendChild(r.row); }
      Object.assign(r.slider, { min: String(inp.low), max: String(inp.high), step: String(inp.step) });
      if (document.activeElement !== r.slider) r.slider.value = String(inp.value);
      if (document.activeElement !== r.field) r.field.value = String(Number(inp.value.toPrecision(6)));
      r.grad.textContent = inp.grad === null ? "(no gradient)" : `d${output.name}/d${inp.name} = ${inp.grad}`;
      r.numerical.textContent = inp.numerical === null ? "" : `numerical ${inp.numerical}`;
      r.numerical.classList.toggle("mg-disagree", inp.agree === false);
      r.chosen.disabled = inp.grad === null;
    }
  }

  function element(id) {
    return picture.querySelector(`[id="${CSS.escape(id)}"]`);
  }

  function showNumbers() {
    const shown = new Set();
    const steps = state.steps || [];
    if (step >= 0) for (let k = 0; k <= step && k < steps.length; k++) shown.add(steps[k].id);
    for (const [id, [value, grad]] of Object.entries(state.texts || {})) {
      const g = element(id);
      if (!g) continue;
      for (const t of g.querySelectorAll("text")) {
        const kind = t.getAttribute("class");
        if (kind === "mg-value" && value !== null) t.textContent = value;
        if (kind === "mg-grad" && grad !== null) {
          t.textContent = grad;
          t.style.visibility = step < 0 || shown.has(id) ? "" : "hidden";
        }
      }
      g.classList.toggle("mg-current", step >= 0 && steps[step] && steps[step].id === id);
    }
    for (const [id, text] of Object.entries(state.rules || {})) {
      const title = element(id) && element(id).querySelector("title");
      if (title) title.textContent = text;
    }
  }

  function showOutput() {
    const o = state.output || {};
    let text = `${o.name} = ${o.value}`;
    if (state.nudge) text += `   nudged: ${o.name} ${state.nudge.before} → ${state.nudge.after}`;
    output.textContent = text;
    output.setAttribute("data-value", o.value);
    const ms = model.get("timing");
    timing.textContent = ms ? `kernel ${ms} ms` : "";
  }

  function showRule() {
    const steps = state.steps || [];
    if (step >= 0 && steps[step]) {
      counter.textContent = `${step + 1} of ${steps.length}`;
      rule.textContent = steps[step].line;
    } else {
      counter.textContent = `${steps.length} steps`;
      if (selected && state.rules && state.rules[selected]) rule.textContent = state.rules[selected];
    }
  }

  function show() {
    showInputs();
    showNumbers();
    showOutput();
    showRule();
    root.setAttribute("data-step", String(step));
  }

  function showSvg() {
    picture.innerHTML = model.get("svg") || "";
    const svg = picture.querySelector("svg");
    if (svg) { svg.removeAttribute("width"); svg.removeAttribute("height"); }
  }

  function goTo(k) {
    const last = (state.steps || []).length - 1;
    step = k < 0 ? 0 : k > last ? -1 : k;
    show();
  }

  picture.addEventListener("click", (e) => {
    let g = e.target.closest("g[id]");
    while (g && !(state.rules || {})[g.id] && !(state.edges || {})[g.id]) g = g.parentElement.closest("g[id]");
    if (!g) return;
    selected = (state.edges || {})[g.id] || g.id;
    for (const s of picture.querySelectorAll(".mg-selected")) s.classList.remove("mg-selected");
    const chosen = element(selected);
    if (chosen) chosen.classList.add("mg-selected");
    step = -1;
    show();
    root.setAttribute("data-selected", selected);
    root.focus({ preventScroll: true });
  });
  prev.addEventListener("click", () => goTo(step < 0 ? (state.steps || []).length - 1 : step - 1));
  next.addEventListener("click", () => goTo(step < 0 ? 0 : step + 1));
  all.addEventListener("click", () => goTo(Infinity));
  nudgeButton.addEventListener("click", () => {
    const inputs = Object.keys(rows).filter((n) => rows[n].chosen.checked && !rows[n].chosen.disabled);
    send({ nudge: { rate: parseFloat(rate.value) || 0.1, inputs, ascent: direction.value === "ascent" } });
  });
  function askCheck() { send({ check: checkBox.checked ? parseFloat(h.value) || 1e-5 : null }); }
  checkBox.addEventListener("change", askCheck);
  h.addEventListener("change", () => { if (checkBox.checked) askCheck(); });

  root.addEventListener("keydown", (e) => {
    const typing = e.target.tagName === "INPUT" || e.target.tagName === "SELECT";
    if (!typing && !e.altKey && !e.ctrlKey && !e.metaKey) {
      const last = (state.steps || []).length - 1;
      const at = step < 0 ? last + 1 : step;
      const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: Infinity }[e.key];
      if (to !== undefined) { goTo(to); e.preventDefault(); }
    }
    if (!(e.key === "Enter" && (e.shiftKey || e.ctrlKey || e.metaKey))) e.stopPropagation();
  });

  model.on("change:svg", () => { showSvg(); show(); });
  model.on("change:timing", showOutput);
  model.on("change:state", () => {
    state = model.get("state") || {};
    inFlight = false;
    root.setAttribute("data-roundtrip-ms", (performance.now() - sentAt).toFixed(1));
    if (pending) { const p = pending; pending = null; request(p); }
    show();
  });
  showSvg();
  show();
  return () => root.remove();
}

export default { render };
