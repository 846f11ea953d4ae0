// docketwatch web UI: small conveniences only; every page works without this file.
(function () {
  "use strict";
  // "/" jumps to the search box, as on most search sites; typing "/" in a field is left alone.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var q = document.getElementById("q") || document.getElementById("dq");
    if (!q) return;
    e.preventDefault();
    q.focus();
    q.select();
  });

  // Phones: fold the filters so that the results start on the first screen; the active
  // ones show as chips above the results, and "Filters" opens the form.
  var filterBox = document.getElementById("filter-box");
  if (filterBox && window.matchMedia("(max-width: 50rem)").matches) filterBox.open = false;

  // A bad query: put the cursor where the problem is.
  var problem = document.getElementById("q-problem");
  var q = document.getElementById("q");
  if (problem && q && q.getAttribute("aria-invalid") === "true") {
    var caret = problem.querySelector(".caret");
    q.focus();
    if (caret) {
      var before = 0;
      for (var n = caret.previousSibling; n; n = n.previousSibling) before += n.textContent.length;
      try { q.setSelectionRange(before, before + 1); } catch (err) { /* not a text input */ }
    }
  }

  // A document opened at a page: move the keyboard focus there too, not just the view.
  var current = document.querySelector(".page.current");
  if (current && location.hash === "#" + current.id) {
    current.setAttribute("tabindex", "-1");
    current.focus({ preventScroll: false });
  }

  // Status page: optional auto-refresh, remembered across reloads.
  var box = document.getElementById("autorefresh");
  if (box) {
    var key = "docketwatch.autorefresh";
    var timer = null;
    var arm = function () {
      clearTimeout(timer);
      if (box.checked) timer = setTimeout(function () { location.reload(); }, 10000);
    };
    try { box.checked = localStorage.getItem(key) === "1"; } catch (err) { /* storage blocked */ }
    box.addEventListener("change", function () {
      try { localStorage.setItem(key, box.checked ? "1" : "0"); } catch (err) { /* storage blocked */ }
      arm();
    });
    arm();
  }
})();
