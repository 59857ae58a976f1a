// The script editor: CodeMirror over the source textarea (it writes back on submit), with the
// upload-time errors the server found marked at their lines: a gutter dot, a tinted line and
// the message right under it.
(function () {
  "use strict";
  const textarea = document.getElementById("source");
  if (!textarea || !window.CodeMirror) return;
  const editor = window.CodeMirror.fromTextArea(textarea, {
    mode: "python", lineNumbers: true, indentUnit: 4, tabSize: 4, indentWithTabs: false,
    matchBrackets: true, autoCloseBrackets: true, viewportMargin: Infinity,
    gutters: ["CodeMirror-linenumbers", "cm-error-gutter"],
    extraKeys: {
      // Python wants spaces: Tab indents by four instead of inserting a tab character.
      Tab: (cm) => cm.somethingSelected() ? cm.indentSelection("add")
        : cm.replaceSelection(" ".repeat(cm.getOption("indentUnit")), "end"),
    },
  });
  window.econsimEditor = editor;
  // htmx reads the form before its submit event, which is when CodeMirror writes back: a dry
  // run of the editor's text sends what the editor shows.
  document.body.addEventListener("htmx:configRequest", (event) => {
    const data = event.detail.formData;
    if (data && data.has("source")) data.set("source", editor.getValue());
  });

  const node = document.getElementById("error-lines");
  const errors = node ? JSON.parse(node.textContent) : [];
  for (const error of errors) {
    const line = error.line - 1;
    if (line < 0 || line >= editor.lineCount()) continue;
    editor.addLineClass(line, "background", "cm-error-line");
    const marker = document.createElement("span");
    marker.className = "cm-error-marker";
    marker.textContent = "●";
    marker.title = error.message;
    marker.dataset.line = String(error.line);
    editor.setGutterMarker(line, "cm-error-gutter", marker);
    const note = document.createElement("div");
    note.className = "cm-error-note";
    note.dataset.line = String(error.line);
    note.textContent = error.message;
    editor.addLineWidget(line, note, { coverGutter: false, noHScroll: true });
  }
  if (errors.length) editor.scrollIntoView({ line: Math.max(errors[0].line - 1, 0), ch: 0 }, 80);

  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-goto-line]");
    if (!link) return;
    event.preventDefault();
    const line = Number(link.dataset.gotoLine) - 1;
    editor.focus();
    editor.setCursor({ line: line, ch: 0 });
    editor.scrollIntoView(null, 80);
  });
})();
