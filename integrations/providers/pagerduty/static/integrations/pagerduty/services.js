// Ticking a service means "Only these"; the form works the same without this. A file, not an
// inline script: the Content-Security-Policy allows scripts from this site's files only.
document.addEventListener("DOMContentLoaded", function () {
  var list = document.getElementById("service-list");
  if (!list) { return; }
  list.addEventListener("change", function (event) {
    if (event.target.checked) {
      document.querySelector('input[name="scope"][value="some"]').checked = true;
    }
  });
});
