// Opened from a file (file://), Chromium runs no ES module: load the page as one classic
// script with the engine inlined (file/app.js, written by `cargo xtask`). Over http(s) this
// does nothing, and file/app.js is never downloaded.
if (location.protocol === "file:") {
  const script = document.createElement("script");
  script.src = "file/app.js";
  document.head.append(script);
}
