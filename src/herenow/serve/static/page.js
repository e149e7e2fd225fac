// herenow serve: the little the page does besides the terminal (textual.js draws the terminal).
// No inline handlers: the Content-Security-Policy allows scripts from this server only.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var again = document.getElementById("reconnect");
  if (again) {
    again.addEventListener("click", function () {
      // The cookie is still valid while `herenow serve` runs: a fresh load opens a new connection.
      window.location.replace("/");
    });
  }
});
