// Render TeX in titles and abstracts (elements with class "tex") with the vendored KaTeX.
// auto-render works on text nodes, so the server's HTML escaping stays in force.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.renderMathInElement) return;
  var options = {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
    ],
    throwOnError: false,
    // arXiv text is not ours: cap sizes (\rule, \kern, \hspace...) at 10 em so one abstract
    // cannot cover the page, and macro expansion at 100 steps so it cannot stall the browser.
    maxSize: 10,
    maxExpand: 100,
    ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code", "option"],
  };
  document.querySelectorAll(".tex").forEach(function (el) {
    window.renderMathInElement(el, options);
  });
  document.documentElement.classList.add("math-rendered");
});
