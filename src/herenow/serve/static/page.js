// herenow serve: the little the page does besides the terminal (textual.js draws the terminal).
// No inline handlers: the Content-Security-Policy allows scripts from this server only.
"use strict";

// The text size, chosen with A- / A+ and kept in this browser only (localStorage, never sent anywhere).
// textual.js reads data-font-size when the page loads (window.onload, after this deferred script), and offers no
// way to change it later, so a new size reloads the page; the session goes on (`herenow serve` resumes it).
var SIZE_KEY = "herenow-font-size";
var MIN_SIZE = 10, MAX_SIZE = 40, STEP = 2;

function currentSize(terminal) {
  var kept = parseInt(window.localStorage.getItem(SIZE_KEY) || "", 10);
  if (kept >= MIN_SIZE && kept <= MAX_SIZE) {
    return kept;
  }
  return parseInt(terminal.dataset.fontSize, 10) || 16;
}

var terminal = document.getElementById("terminal");
if (terminal) {
  try {
    terminal.dataset.fontSize = String(currentSize(terminal));
  } catch (error) {
    // localStorage refused (a private window): the server's size stays.
  }
}

function resize(step) {
  try {
    var size = Math.max(MIN_SIZE, Math.min(MAX_SIZE, currentSize(terminal) + step));
    window.localStorage.setItem(SIZE_KEY, String(size));
  } catch (error) {
    return;
  }
  window.location.replace("/");
}

document.addEventListener("DOMContentLoaded", function () {
  var again = document.getElementById("reconnect");
  if (again) {
    again.addEventListener("click", function () {
      // The cookie is still valid while `herenow serve` runs: a fresh load opens a new connection.
      window.location.replace("/");
    });
  }
  var smaller = document.getElementById("smaller");
  var larger = document.getElementById("larger");
  if (smaller && larger && terminal) {
    smaller.addEventListener("click", function () { resize(-STEP); });
    larger.addEventListener("click", function () { resize(STEP); });
  }
});
