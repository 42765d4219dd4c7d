// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  function focusErrors(root) {
    var summary = (root || document).querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { focusErrors(document); });
  // The error summary's links move focus to the field, not just scroll to it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) { return; }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (target) { event.preventDefault(); target.focus(); target.scrollIntoView({ block: "center" }); }
  });

  // The page says when a partial update is under way: <html data-htmx="busy"> from the moment an htmx
  // request is sent until its new content has settled (or the request failed), data-htmx="idle" once
  // htmx has wired the page and nothing is pending. Anything that must see the page as it will stay
  // (the browser tests) waits for "idle" instead of for a length of time. A trigger that waits for a
  // pause in typing ("delay:") has sent nothing yet; leaving the field sends it at once.
  var root = document.documentElement;
  var pending = new Set();   // requests sent whose outcome is not on the page yet
  var swapping = new Set();  // of those, the ones whose response is being swapped in, to settle shortly
  function show() { root.setAttribute("data-htmx", pending.size ? "busy" : "idle"); }
  function finish(event) {
    var xhr = event.detail && event.detail.xhr;
    pending.delete(xhr);
    swapping.delete(xhr);
    show();
  }
  function finishUnlessSwapping(event) {
    if (!swapping.has(event.detail && event.detail.xhr)) { finish(event); }
  }
  function on(names, handler) {
    names.forEach(function (name) { document.addEventListener("htmx:" + name, handler); });
  }
  on(["beforeSend"], function (event) { pending.add(event.detail.xhr); show(); });
  on(["beforeSwap"], function (event) { if (event.detail.shouldSwap) { swapping.add(event.detail.xhr); } });
  // A response with nothing to swap in (a 204, an error) is done when it arrives; the others when they settle.
  on(["afterRequest", "responseError"], finishUnlessSwapping);
  on(["afterSettle", "sendError", "sendAbort", "timeout", "swapError", "onLoadError"], finish);
  document.addEventListener("DOMContentLoaded", function () { if (window.htmx) { show(); } });
})();
