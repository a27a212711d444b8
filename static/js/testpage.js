// The test page's behaviour beyond htmx: the code's live countdown, moving focus to the code box once
// per call (and never away from a field the person is typing in), and keeping the card's data-status
// in step with its status part, which polls replace on their own.
(function () {
  "use strict";

  var PERSIAN = "۰۱۲۳۴۵۶۷۸۹";
  var focusedCalls = {};      // call id -> true once its code box was offered focus
  var typedSinceStart = false; // the person typed in another field after starting the call
  var refocusCode = false;     // a code was just sent: the answer's code box gets focus back

  function pageDigits(text) {
    if (document.documentElement.lang !== "fa") { return text; }
    return text.replace(/[0-9]/g, function (d) { return PERSIAN[d]; });
  }

  function clock(seconds) {
    var s = seconds % 60;
    return pageDigits(Math.floor(seconds / 60) + ":" + (s < 10 ? "0" : "") + s);
  }

  // Seconds left are counted from when the script first saw each clock, not from the device's
  // wall clock, so a phone whose clock is wrong still counts down correctly.
  var seenAt = new WeakMap();

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown-clock[data-seconds-left]").forEach(function (el) {
      if (!seenAt.has(el)) { seenAt.set(el, now); }
      var left = Math.max(0, Number(el.dataset.secondsLeft) - Math.floor((now - seenAt.get(el)) / 1000));
      var text = clock(left);
      if (el.textContent !== text) { el.textContent = text; }
      el.closest(".countdown").classList.toggle("is-ending", left <= 15);
    });
  }

  function isTextField(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && !/^(button|submit|checkbox|radio|hidden)$/.test(el.type)));
  }

  function offerFocus() {
    var card = document.getElementById("call-card");
    var status = document.getElementById("call-status");
    var input = document.getElementById("code-input");
    if (!card || !status) { return; }
    card.dataset.status = status.dataset.status;
    if (refocusCode && input) {
      refocusCode = false;
      input.focus();
      return;
    }
    var id = card.dataset.callId;
    if (status.dataset.status !== "delivered" || !input || focusedCalls[id]) { return; }
    focusedCalls[id] = true;  // once per call, whatever happens next
    var active = document.activeElement;
    if (active === input || (isTextField(active) && typedSinceStart)) { return; }
    input.focus();
  }

  document.addEventListener("input", function (event) {
    if (event.target.id !== "code-input") { typedSinceStart = true; }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.id === "start-form" || elt.id === "retry-button" || (elt.closest && elt.closest("#call-outcome"))) {
      typedSinceStart = false;
    }
    if (elt.classList && elt.classList.contains("verify-form")) { refocusCode = true; }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    offerFocus();
    // On a narrow screen a new call starts below the form: bring the virtual phone and code box into view.
    var started = event.detail.elt && event.detail.elt.id === "start-form";
    var area = document.getElementById("phone-area");
    if (started && area && area.firstElementChild && area.getBoundingClientRect().top > window.innerHeight) {
      area.scrollIntoView({block: "start"});
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    offerFocus();
    tick();
    setInterval(tick, 500);
  });
})();
