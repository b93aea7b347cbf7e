// Lay the page out again when a web font finishes loading. Chromium 156 can keep text
// that it shaped before Noto Sans CJK SC arrived (16 MB) as empty boxes until the next
// layout, so the Chinese names in tables showed as boxes.
document.fonts.addEventListener("loadingdone", function () {
  document.body.style.display = "none";
  void document.body.offsetHeight;
  document.body.style.display = "";
});
