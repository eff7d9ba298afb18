/*
 * search.js: the book's search, over the index that mdBook 0.5 builds, for kubectl's words and
 * Chinese alike.
 *
 * Why: mdBook's index (mdbook-html's search.rs) splits text on whitespace and '-' only and trims
 * each token to [0-9a-z_] at both ends; its searcher (elasticlunr) then matches whole tokens or
 * their prefixes. So
 *   - `Init:CrashLoopBackOff` is one token: `CrashLoopBackOff` does not find step 3's STATUS
 *     lines, and `(CrashLoopBackOff)` or `PodInitializing，` are tokens of their own;
 *   - a Chinese paragraph is one giant "word" and elasticlunr's query trimmer deletes every
 *     Chinese character, so 初始化容器 finds almost nothing (mdBook issue #1081);
 *   - the book says "Init Container" and "Sidecar" where a Chinese reader may type the terms of
 *     the Kubernetes documentation in Chinese, 初始化容器 and 边车容器.
 *
 * What it does instead, for every query:
 *   - every term must occur in a section's title, breadcrumbs or body: CJK terms anywhere,
 *     Latin terms at the start of a word, where a word also starts after ':' '/' '(' '`' or at a
 *     camelCase hump (`BackOff` finds CrashLoopBackOff and ImagePullBackOff); a trailing plural
 *     's'/'es' of a query term is dropped (`sidecars` finds `sidecar`);
 *   - a term that is one of the names in TERMS (the same thing in Chinese and English) matches
 *     any of its names;
 *   - sections are ranked by where the terms occur: a hit in the section's title weighs 10, in
 *     its breadcrumbs (the chapter and parent headings) 2, in the body 1 per occurrence up to 10;
 *     each page's best section comes before any page's second best, so that the results
 *     (book.toml's limit-results) name every page that uses the term.
 *
 * How it hooks in, without touching mdBook's own files (mdBook 0.5 has no theme override for
 * searcher.js):
 *   - mdBook's searcher.js loads searchindex.js lazily, the first time the search bar opens
 *     (also when the page is opened with ?search=...). That file runs
 *     `window.search = Object.assign(window.search, {index, doc_urls, results_options, ...})`.
 *     `index.documentStore.docs[ref]` holds the title, body and breadcrumbs of every section and
 *     `doc_urls[ref]` its "page.html#anchor" address.
 *   - A MutationObserver watches mdBook's results list and header. Whenever mdBook renders
 *     results (after each keystroke, and once the index has arrived) we replace the list with
 *     ours, in the same markup (li > a + span.teaser), so styling and keyboard navigation stay
 *     mdBook's.
 *   - An `input` listener covers edits that fire no keyup (paste, IME commit) and an initial
 *     call covers an index that finished loading before this script ran.
 */
(function () {
    'use strict';

    var bar = document.getElementById('mdbook-searchbar');
    var barOuter = document.getElementById('mdbook-searchbar-outer');
    var list = document.getElementById('mdbook-searchresults');
    var header = document.getElementById('mdbook-searchresults-header');
    var outer = document.getElementById('mdbook-searchresults-outer');
    if (!bar || !list || !header || !outer || typeof MutationObserver === 'undefined') {
        return; // search is disabled in book.toml, or a very old browser
    }

    // Han, kana, Hangul, CJK punctuation and full-width forms.
    var CJK = /[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/;
    var PUNCT_SPACE = /\s*([\u3000-\u303f\uff00-\uffef“”‘’])\s*/g;
    var TEASER_BEFORE = 30; // characters of context shown before the first hit
    var TEASER_LENGTH = 110; // total characters of a teaser
    // The words around the results, in the page's language (the English edition can be searched
    // in Chinese too: its code and sample output are the same).
    var EN = (document.documentElement.lang || '').toLowerCase().indexOf('en') === 0;
    var docs = null; // the documents, read once from the index
    var lastHeader = null; // the header text we wrote last, to recognise our own mutations

    function query() {
        return bar.value.trim();
    }

    // Read the sections out of the index that mdBook loaded, once.
    function loadDocs() {
        if (docs) {
            return docs;
        }
        var data = window.search;
        var store = data && data.index && data.index.documentStore;
        if (!store || !store.docs || !data.doc_urls) {
            return null; // not loaded yet: mdBook will render when it is, and we follow
        }
        docs = [];
        Object.keys(store.docs).forEach(function (ref) {
            var d = store.docs[ref] || {};
            docs.push({
                ref: Number(ref),
                url: data.doc_urls[ref] || '',
                title: d.title || '',
                // The index puts a space at every element boundary ("（ restartPolicy ）");
                // drop the ones next to CJK punctuation so teasers read naturally.
                body: (d.body || '').replace(PUNCT_SPACE, '$1'),
                breadcrumbs: d.breadcrumbs || d.title || '',
            });
        });
        docs.sort(function (a, b) { return a.ref - b.ref; });
        return docs;
    }

    // Names of one thing: the book's words and those of the Kubernetes documentation, in
    // Chinese and English. A query term (or phrase) equal to one of them matches any of them.
    var TERMS = [
        ['初始化容器', 'init 容器', 'init container', 'initContainers'],
        ['边车容器', '边车', 'sidecar'],
        ['重启策略', 'restart policy', 'restartPolicy'],
        ['就绪探针', 'readiness probe', 'readinessProbe'],
        ['临时卷', 'emptyDir'],
    ];

    function escapeRegExp(s) {
        return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }

    var WORD = /[A-Za-z0-9_]/;

    // The pattern of one name: spaces match any (or no) white space, so that "init container"
    // also finds initContainers; a Latin word loses its plural ending ("sidecars" → "sidecar").
    function namePattern(name) {
        var n = name.trim();
        if (/^[A-Za-z]{4,}s$/.test(n) && !/ss$/i.test(n)) {
            n = /(ses|xes|ches|shes)$/i.test(n) ? n.slice(0, -2) : n.slice(0, -1);
        }
        return n.split(/\s+/).map(escapeRegExp).join('\\s*');
    }

    // A term: one pattern for all its names, case-insensitive.
    function term(names) {
        return { names: names, re: new RegExp(names.map(namePattern).join('|'), 'gi') };
    }

    // Whether a match at `i` starts a word: CJK matches always do; a Latin one at the start of
    // the text, after a character that is not a letter, digit or '_', or at a camelCase hump.
    function startsWord(text, i) {
        if (i === 0 || !WORD.test(text.charAt(i))) {
            return true;
        }
        var before = text.charAt(i - 1);
        return !WORD.test(before) || (/[a-z]/.test(before) && /[A-Z]/.test(text.charAt(i)));
    }

    // The terms of a query: the names in TERMS first (so that a phrase such as "init container"
    // stays one term), then every other run of non-space characters.
    function parse(q) {
        var rest = ' ' + q + ' ';
        var groups = [];
        TERMS.forEach(function (names) {
            names.forEach(function (name) {
                var p = name.trim().split(/\s+/).map(escapeRegExp).join('\\s+');
                var re = CJK.test(name)
                    ? new RegExp(p, 'i')
                    : new RegExp('(?:^|[^A-Za-z0-9_])(' + p + ')(?![A-Za-z0-9_])', 'i');
                var m = re.exec(rest);
                if (!m) {
                    return;
                }
                var found = m[1] || m[0];
                var at = m.index + m[0].length - found.length;
                rest = rest.slice(0, at) + ' ' + rest.slice(at + found.length);
                if (groups.indexOf(names) < 0) {
                    groups.push(names);
                }
            });
        });
        rest.split(/[\s\u3000]+/).forEach(function (w) {
            if (w !== '') {
                groups.push([w]);
            }
        });
        return groups.map(term);
    }

    // The number of matches of a term in `text` that start a word.
    function count(text, re) {
        re.lastIndex = 0;
        var n = 0;
        var m;
        while ((m = re.exec(text)) !== null) {
            if (m[0] === '') {
                re.lastIndex++;
            } else if (startsWord(text, m.index)) {
                n++;
            }
        }
        return n;
    }

    // Every term must occur in the title, breadcrumbs or body; title hits weigh most.
    function search(terms) {
        var hits = [];
        loadDocs().forEach(function (doc) {
            var score = 0;
            for (var i = 0; i < terms.length; i++) {
                var t = count(doc.title, terms[i].re);
                var c = count(doc.breadcrumbs, terms[i].re);
                var b = count(doc.body, terms[i].re);
                if (t + c + b === 0) {
                    return;
                }
                score += 10 * t + 2 * c + Math.min(b, 10);
            }
            hits.push({ doc: doc, score: score });
        });
        hits.sort(function (a, b) { return b.score - a.score || a.doc.ref - b.doc.ref; });
        // Each page's best section first, then the other sections: a page with many matching
        // sections does not push the other pages that use the term out of the list.
        var seen = {};
        var best = [];
        var others = [];
        hits.forEach(function (hit) {
            var page = hit.doc.url.split('#')[0];
            (seen[page] ? others : best).push(hit);
            seen[page] = true;
        });
        return best.concat(others);
    }

    // The matches of all terms in `text` that start a word, in order: [{at, text}].
    function matches(text, terms) {
        var re = new RegExp(terms.map(function (t) { return t.re.source; }).join('|'), 'gi');
        var found = [];
        var m;
        while ((m = re.exec(text)) !== null) {
            if (m[0] === '') {
                re.lastIndex++;
            } else if (startsWord(text, m.index)) {
                found.push({ at: m.index, text: m[0] });
            }
        }
        return found;
    }

    // Append `text` to `parent`, wrapping every match in <em>.
    function appendMarked(parent, text, terms) {
        var last = 0;
        matches(text, terms).forEach(function (m) {
            parent.appendChild(document.createTextNode(text.slice(last, m.at)));
            var em = document.createElement('em');
            em.textContent = m.text;
            parent.appendChild(em);
            last = m.at + m.text.length;
        });
        parent.appendChild(document.createTextNode(text.slice(last)));
    }

    // A window of the body around the first hit (the start of the body for title-only hits).
    function teaserText(body, terms) {
        var found = matches(body, terms);
        var first = found.length > 0 ? found[0].at : 0;
        var start = Math.max(0, first - TEASER_BEFORE);
        var end = Math.min(body.length, start + TEASER_LENGTH);
        return (start > 0 ? '…' : '') + body.slice(start, end) + (end < body.length ? '…' : '');
    }

    // The words the page marks when a result is opened (`?highlight=`): those found in the
    // section, which for a name from TERMS may be another name than the one typed.
    function highlight(doc, terms) {
        var words = [];
        matches(doc.title + ' ' + doc.body, terms).forEach(function (m) {
            m.text.split(/\s+/).forEach(function (w) {
                if (words.indexOf(w) < 0) {
                    words.push(w);
                }
            });
        });
        return encodeURIComponent(words.join(' ')).replace(/'/g, '%27');
    }

    function render(q) {
        var terms = parse(q);
        var data = window.search;
        var limit = (data.results_options && data.results_options.limit_results) || 30;
        var hits = search(terms).slice(0, limit);
        var root = typeof path_to_root === 'string' ? path_to_root : ''; // set by mdBook's page

        if (EN) {
            lastHeader = hits.length === 0
                ? 'No search results for \'' + q + '\'.'
                : hits.length + ' search result' + (hits.length === 1 ? '' : 's') + ' for \'' + q + '\':';
        } else {
            lastHeader = hits.length === 0
                ? '没有找到与“' + q + '”相关的结果。'
                : '找到 ' + hits.length + ' 个与“' + q + '”相关的结果：';
        }
        header.textContent = lastHeader;

        while (list.firstChild) {
            list.removeChild(list.firstChild);
        }
        hits.forEach(function (hit, n) {
            // Same shape as mdBook's: page.html?highlight=terms#anchor, so the page marks the hits.
            var parts = hit.doc.url.split('#');
            var li = document.createElement('li');
            li.setAttribute('data-lab-search', '');
            var a = document.createElement('a');
            a.href = root + parts[0] + '?highlight=' + highlight(hit.doc, terms) + '#' + (parts[1] || '');
            a.setAttribute('aria-details', 'lab-teaser-' + n);
            a.textContent = hit.doc.breadcrumbs;
            var teaser = document.createElement('span');
            teaser.className = 'teaser';
            teaser.id = 'lab-teaser-' + n;
            teaser.setAttribute('aria-label', 'Search Result Teaser');
            appendMarked(teaser, teaserText(hit.doc.body, terms), terms);
            li.appendChild(a);
            li.appendChild(teaser);
            list.appendChild(li);
        });
        outer.classList.remove('hidden');
        if (barOuter) {
            barOuter.classList.remove('searching');
        }
    }

    function ours() {
        if (header.textContent !== lastHeader) {
            return false;
        }
        for (var i = 0; i < list.children.length; i++) {
            if (!list.children[i].hasAttribute('data-lab-search')) {
                return false;
            }
        }
        return true;
    }

    // Render our results if the index is there and the list is not ours yet.
    function refresh() {
        var q = query();
        if (q === '' || !loadDocs()) {
            return;
        }
        if (ours() && list.getAttribute('data-lab-query') === q) {
            return;
        }
        list.setAttribute('data-lab-query', q);
        render(q);
    }

    new MutationObserver(refresh).observe(header, { childList: true, characterData: true, subtree: true });
    new MutationObserver(refresh).observe(list, { childList: true });
    bar.addEventListener('input', refresh);
    refresh();
})();
