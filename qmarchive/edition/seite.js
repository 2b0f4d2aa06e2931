// From a search hit (?q=…), the PDF links ask the viewer to look for the words (PDF.js follows #search=).
const q = new URLSearchParams(location.search).get("q");
if (q) {
  for (const link of document.querySelectorAll('a[href*=".pdf#page="]')) {
    link.href += "&search=" + encodeURIComponent(q);
  }
}
