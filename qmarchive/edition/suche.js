// Client-side search of the static edition with Pagefind; the index lies in ../pagefind/ beside this file.
//
// Before Pagefind sees a query, this script analyses it as the served search does: filters typed in the box
// (jahr:2019, typ:ihek, feld:bildung) become Pagefind filters, stopwords are dropped, gendered forms become
// their base noun (Bewohner:innen → bewohner), ß is folded to ss, and a compound of the archive is searched
// whole and, ranked lower, as its parts (from ../zerlegung/). Pagefind 1.x knows exact phrases only for a
// whole query in quotes, and then without stemming; so a phrase in quotes is searched as its words, and a hit
// is kept only where Pagefind's word positions show the words in order, at most PHRASE_GAP words apart.
import * as pagefind from "../pagefind/pagefind.js";

const form = document.getElementById("qm-suche");
const status = document.getElementById("qm-status");
const list = document.getElementById("qm-treffer");
const data = JSON.parse(document.getElementById("qm-suchdaten").textContent);
const stopwords = new Set(data.stopwords);
const SHOWN = 20;
const PHRASE_GAP = 3; // as the served search: a stopword left out may stand between the words
const TERM_SIMILARITY = 4;
const PARTS_WEIGHT = 0.5; // a compound found by its parts ranks below the compound itself
const MAX_SPLIT = 3; // compounds searched as parts too (each doubles the searches)
const FIELDS = { jahr: "jahr", typ: "typ", feld: "feld", handlungsfeld: "feld" };
const FILTER_SYNTAX = /(?:^|\s)(jahr|typ|feld|handlungsfeld):(?:"([^"]*)"|„([^“”"]*)[“”"]|(\S+))/giu;
const DASHED = /(\p{L})\p{Pd}(?=\p{L})/gu;
const DASHED_WORDS = /[\p{L}\p{N}]+(?:[*:_/](?:innen|in)(?![\p{L}\p{N}]))?(?:\p{Pd}[\p{L}\p{N}]+)*/giu;
const PHRASE = /["„“”]([^"„“”]+)["„“”]/gu;
const WORD = /[\p{L}\p{N}]+(?:[*:_/](?:innen|in)(?![\p{L}\p{N}]))?/giu;
// The gendered forms of qmarchive.german.gender_neutral.
const GENDER_SEPARATED = /^(.+?)[*:_/](?:innen|in)$/iu;
const GENDER_CAPITAL_I = /^(.*[a-zäöüß])(?:Innen|In)$/u;
const FEMININE = /^(.{3,}(?:er|eur|ent|ant|ist|or|ar|at|ert|eg))(?:innen|in)$/u;

// The edition's folder, wherever it is served from: result URLs are made relative to it.
// termSimilarity: Pagefind finds a word by its stem's prefix (schul → Schule, Schüler); the default 1 ranks the
// shorter Schule first, 4 the form as typed (measured on the relevance set: gender R@10 0.80 → 1.00).
await pagefind.options({
  baseUrl: new URL("..", import.meta.url).pathname,
  excerptLength: 24,
  ranking: { termSimilarity: TERM_SIMILARITY },
});

function fold(word) {
  return word.normalize("NFKC").toLowerCase().replaceAll("ß", "ss");
}

function term(word) {
  const separated = word.match(GENDER_SEPARATED) || word.match(GENDER_CAPITAL_I);
  if (separated) return fold(separated[1]);
  const folded = fold(word);
  const feminine = folded.match(FEMININE);
  return feminine ? feminine[1] : folded;
}

function words(text) {
  return (text.match(WORD) || []).map(term).filter((w) => !stopwords.has(w));
}

// A Handlungsfeld or document type as typed: words only, "oe" like "ö" like "o" (as qmarchive.topics.lookup).
function nameKey(text) {
  const plain = fold(text).normalize("NFKD").replace(/\p{M}/gu, "");
  return (plain.match(/[a-z0-9]+/g) || []).join(" ").replace(/([aou])e/g, "$1");
}

function topicIds(value) {
  const wanted = nameKey(value);
  if (!wanted) return [];
  const keys = (topic) => topic.names.map(nameKey);
  const exact = data.topics.filter((t) => keys(t).includes(wanted));
  return (exact.length ? exact : data.topics.filter((t) => keys(t).some((k) => k.startsWith(wanted)))).map((t) => t.id);
}

function typeLabel(value) {
  const wanted = nameKey(value);
  const found = Object.entries(data.types).find(([key, label]) => nameKey(key) === wanted || nameKey(label) === wanted);
  return found ? found[1] : null;
}

// The query as typed → {text without the filters, filters, problems}.
function typedFilters(q, filters) {
  const problems = [];
  const text = q.replace(FILTER_SYNTAX, (all, name, quoted, german, bare) => {
    const value = (quoted ?? german ?? bare).trim();
    const field = FIELDS[name.toLowerCase()];
    if (field === "jahr" && /^\d{4}$/.test(value)) filters.jahr = value;
    else if (field === "typ" && typeLabel(value)) filters.typ = typeLabel(value);
    else if (field === "feld" && topicIds(value).length) filters.feld = { any: topicIds(value) };
    else problems.push(`${name}:${value} ist unbekannt und wurde nicht als Filter verwendet`);
    return " ";
  });
  return { text, problems };
}

const splits = {};
async function splitOf(word) {
  const name = [...word.slice(0, 2)].map((ch) => (/[\p{L}\p{N}]/u.test(ch) ? ch : "_")).join("");
  if (!data.splits.includes(name)) return null;
  splits[name] ??= fetch(new URL(`../zerlegung/${encodeURIComponent(name)}.json`, import.meta.url)).then((r) =>
    r.ok ? r.json() : {},
  );
  return (await splits[name])[word] || null;
}

// Whether the words (each a Map page id → positions) stand in this order on the page, gaps allowed.
function inOrder(id, positions) {
  const starts = positions[0].get(id) || [];
  return starts.some((start) => {
    let at = start;
    for (const next of positions.slice(1)) {
      // The same position too: Pagefind indexes "Schule–Beruf" as one word and its parts where it stands.
      const found = (next.get(id) || []).filter((p) => p >= at && p <= at + 1 + PHRASE_GAP);
      if (!found.length) return false;
      at = Math.min(...found);
    }
    return true;
  });
}

async function positions(word, filters) {
  const found = await pagefind.search(word, { filters });
  return new Map(found.results.map((r) => [r.id, r.words]));
}

// The query's units, each with its alternatives as [words, weight]: a word, and a compound of the archive as
// its parts too (ranked lower); a word with a dash (Schule–Beruf) as its parts and, as Pagefind indexes it,
// joined (schuleberuf).
async function units(text) {
  const found = [];
  let compounds = 0;
  for (const [group] of text.matchAll(DASHED_WORDS)) {
    const parts = words(group);
    const joined = words(group.replace(DASHED, "$1"));
    if (parts.length > 1) {
      found.push([[parts, 1], [joined, 1]]);
      continue;
    }
    for (const word of parts) {
      const split = compounds < MAX_SPLIT ? await splitOf(word) : null;
      if (split) compounds += 1;
      found.push(split ? [[[word], 1], [split, PARTS_WEIGHT]] : [[[word], 1]]);
    }
  }
  return found;
}

// Every page for the analysed query, best first: [{id, score, data}].
async function find(text, filters) {
  const quoted = [...text.matchAll(PHRASE)].map((m) => m[1]);
  const plain = words(text.replace(PHRASE, " "));
  const all = await units(text.replace(PHRASE, " $1 "));
  if (!all.length) {
    const found = await pagefind.search(null, { filters });
    return found.results.map((r) => ({ id: r.id, score: r.score, data: r.data }));
  }
  // Every combination of the units' alternatives is one Pagefind search.
  let variants = [{ words: [], weight: 1 }];
  for (const alternatives of all) {
    variants = variants.flatMap((v) =>
      alternatives.map(([w, weight]) => ({ words: [...v.words, ...w], weight: v.weight * weight })),
    );
  }
  const hits = new Map();
  for (const variant of variants) {
    const found = await pagefind.search(variant.words.join(" "), { filters });
    for (const r of found.results) {
      const score = r.score * variant.weight;
      if (!hits.has(r.id) || hits.get(r.id).score < score) hits.set(r.id, { id: r.id, score, data: r.data });
    }
  }
  let ranked = [...hits.values()];
  for (const phrase of quoted) {
    // Pagefind indexes a word with a dash (Schule–Beruf) as the joined word "schuleberuf": that form too.
    const forms = [...new Set([phrase, phrase.replace(DASHED, "$1")].map((f) => words(f).join(" ")))];
    const at = await Promise.all(
      forms.filter((f) => f).map((f) => Promise.all(f.split(" ").map((w) => positions(w, filters)))),
    );
    if (at.length) ranked = ranked.filter((hit) => at.some((form) => inOrder(hit.id, form)));
  }
  // Plain words typed together: pages where they stand together first (as the served search's phrase bonus).
  if (!quoted.length && plain.length > 1) {
    const at = await Promise.all(plain.map((w) => positions(w, filters)));
    for (const hit of ranked) hit.together = inOrder(hit.id, at);
  }
  return ranked.sort((a, b) => (b.together ?? false) - (a.together ?? false) || b.score - a.score);
}

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
  const { text, problems } = typedFilters(q, filters);
  const found = await find(text, filters);
  const hits = await Promise.all(found.slice(0, SHOWN).map((r) => r.data()));
  status.textContent =
    (hits.length
      ? `${found.length} Seiten gefunden${found.length > SHOWN ? `, die ersten ${SHOWN}` : ""}.`
      : "Keine Seite gefunden.") + problems.map((p) => ` Hinweis: ${p}.`).join("");
  for (const hit of hits) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = hit.url + (text.trim() ? "?q=" + encodeURIComponent(text.trim()) : "");
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
