// An htmx request that fails (no connection, or an error status htmx does not swap) shows the page's
// "reload and try again" alert instead of failing silently; the next request that succeeds hides it.
(function () {
  function alertBox() { return document.getElementById("request-failed"); }
  function show() { var box = alertBox(); if (box) { box.hidden = false; } }
  document.addEventListener("htmx:sendError", show);
  document.addEventListener("htmx:responseError", show);
  document.addEventListener("htmx:afterRequest", function (event) {
    var box = alertBox();
    if (box && event.detail.successful) { box.hidden = true; }
  });
})();
