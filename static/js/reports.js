// The reports page: the Jalali date picker on the date fields, refused filters shown in place,
// the key list reset when the service changes, and a notice when a download starts.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    if (window.jalaliDatepicker) {
      window.jalaliDatepicker.startWatch({persianDigits: true, autoReadOnlyInput: false, zIndex: 1100});
    }
  });

  // A refused filter answers 400 with its message: show it where the results were.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Capture phase: runs before htmx reads the form, so the request asks for the new service's calls.
  document.addEventListener("change", function (event) {
    if (event.target.id === "filter-service") {
      var key = document.getElementById("filter-key");
      if (key) { key.value = ""; }
    }
  }, true);

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-download]");
    var notice = document.getElementById("download-notice");
    if (link && notice) {
      notice.textContent = notice.dataset.started;
      notice.hidden = false;
    }
  });
})();
