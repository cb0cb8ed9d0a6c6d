// Search as you type: fetch the same server-rendered page and swap the results in.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var input = document.getElementById("search");
  var results = document.getElementById("results");
  if (!input || !results) { return; }
  var timer = null;
  var latest = 0;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var asked = ++latest;
      // the filters of the same form go along (book, category, ...)
      var asking = new URLSearchParams(new FormData(input.form)).toString();
      fetch("/app/contacts?" + asking, {credentials: "same-origin"})
        .then(function (response) { return response.text(); })
        .then(function (html) {
          if (asked !== latest) { return; }
          var page = new DOMParser().parseFromString(html, "text/html");
          var fresh = page.getElementById("results");
          if (fresh) { results.replaceWith(fresh); results = fresh; }
        });
    }, 250);
  });
});
