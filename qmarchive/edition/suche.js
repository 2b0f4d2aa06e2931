// Client-side search of the static edition with Pagefind; the index lies in ../pagefind/ beside this file.
import * as pagefind from "../pagefind/pagefind.js";

const form = document.getElementById("qm-suche");
const status = document.getElementById("qm-status");
const list = document.getElementById("qm-treffer");
const SHOWN = 20;
// The edition's folder, wherever it is served from: result URLs are made relative to it.
await pagefind.options({ baseUrl: new URL("..", import.meta.url).pathname, excerptLength: 24 });

function params() {
  const query = new URLSearchParams(location.search);
  for (const name of ["q", "typ", "jahr", "feld"]) {
    form.elements[name].value = query.get(name) || "";
  }
  return query;
}

async function run() {
  const query = params();
  const q = (query.get("q") || "").trim();
  const filters = {};
  for (const name of ["typ", "jahr", "feld"]) {
    if (query.get(name)) filters[name] = query.get(name);
  }
  list.replaceChildren();
  if (!q && !Object.keys(filters).length) {
    status.textContent = "";
    return;
  }
  status.textContent = "Suche läuft …";
  const found = await pagefind.search(q || null, { filters });
  const hits = await Promise.all(found.results.slice(0, SHOWN).map((r) => r.data()));
  status.textContent = hits.length
    ? `${found.results.length} Seiten gefunden${found.results.length > SHOWN ? `, die ersten ${SHOWN}` : ""}.`
    : "Keine Seite gefunden.";
  for (const hit of hits) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = hit.url + (q ? "?q=" + encodeURIComponent(q) : "");
    link.textContent = hit.meta.title;
    const excerpt = document.createElement("p");
    excerpt.innerHTML = hit.excerpt; // Pagefind escapes the text and adds only <mark>
    item.append(link, excerpt);
    list.append(item);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const query = new URLSearchParams();
  for (const name of ["q", "typ", "jahr", "feld"]) {
    const value = form.elements[name].value.trim();
    if (value) query.set(name, value);
  }
  history.pushState(null, "", "?" + query);
  run();
});
window.addEventListener("popstate", run);
run();
