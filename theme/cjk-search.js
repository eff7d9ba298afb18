/*
 * cjk-search.js: substring search for Chinese (and other CJK) queries in an mdBook 0.5 book.
 *
 * Why: mdBook's search index splits text on whitespace and hyphens only, so a Chinese
 * paragraph becomes one giant "word" and a query such as 初始化容器 finds nothing useful
 * (mdBook issue #1081).
 *
 * How this hooks in, without touching mdBook's own files:
 *   - mdBook's searcher.js loads searchindex.js lazily, the first time the search bar opens
 *     (also when the page is opened with ?search=...). That file runs
 *     `window.search = Object.assign(window.search, {index, doc_urls, results_options, ...})`.
 *     `index.documentStore.docs[ref]` holds the title, body and breadcrumbs of every section and
 *     `doc_urls[ref]` its "page.html#anchor" address.
 *   - A MutationObserver watches mdBook's results list and header. Whenever mdBook renders
 *     results (after each keystroke, and once the index has arrived) and the query contains a
 *     CJK character, we replace the list with our own substring matches, in the same markup
 *     (li > a + span.teaser), so styling and keyboard navigation stay mdBook's.
 *   - An `input` listener covers edits that fire no keyup (paste, IME commit) and an initial
 *     call covers an index that finished loading before this script ran.
 *   - Queries without CJK characters are left entirely to mdBook.
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

    function escapeRegExp(s) {
        return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }

    function count(text, re) {
        re.lastIndex = 0;
        var n = 0;
        while (re.exec(text) !== null) {
            n++;
        }
        return n;
    }

    // Every term must occur in the title, breadcrumbs or body; title hits weigh most.
    function search(terms) {
        var res = terms.map(function (t) { return new RegExp(escapeRegExp(t), 'gi'); });
        var hits = [];
        loadDocs().forEach(function (doc) {
            var score = 0;
            for (var i = 0; i < res.length; i++) {
                var t = count(doc.title, res[i]);
                var c = count(doc.breadcrumbs, res[i]);
                var b = count(doc.body, res[i]);
                if (t + c + b === 0) {
                    return;
                }
                score += 10 * t + 2 * c + Math.min(b, 10);
            }
            hits.push({ doc: doc, score: score });
        });
        hits.sort(function (a, b) { return b.score - a.score || a.doc.ref - b.doc.ref; });
        return hits;
    }

    // Append `text` to `parent`, wrapping every occurrence of a term in <em>.
    function appendMarked(parent, text, terms) {
        var re = new RegExp(terms.map(escapeRegExp).join('|'), 'gi');
        var last = 0;
        var m;
        while ((m = re.exec(text)) !== null) {
            if (m[0] === '') {
                re.lastIndex++;
                continue;
            }
            parent.appendChild(document.createTextNode(text.slice(last, m.index)));
            var em = document.createElement('em');
            em.textContent = m[0];
            parent.appendChild(em);
            last = m.index + m[0].length;
        }
        parent.appendChild(document.createTextNode(text.slice(last)));
    }

    // A window of the body around the first hit (the start of the body for title-only hits).
    function teaserText(body, terms) {
        var first = -1;
        terms.forEach(function (t) {
            var i = body.toLowerCase().indexOf(t.toLowerCase());
            if (i >= 0 && (first < 0 || i < first)) {
                first = i;
            }
        });
        var start = Math.max(0, first - TEASER_BEFORE);
        var end = Math.min(body.length, start + TEASER_LENGTH);
        return (start > 0 ? '…' : '') + body.slice(start, end) + (end < body.length ? '…' : '');
    }

    function render(q) {
        var terms = q.split(/[\s\u3000]+/).filter(function (t, i, all) {
            return t !== '' && all.indexOf(t) === i;
        });
        var data = window.search;
        var limit = (data.results_options && data.results_options.limit_results) || 30;
        var hits = search(terms).slice(0, limit);
        var root = typeof path_to_root === 'string' ? path_to_root : ''; // set by mdBook's page
        var mark = encodeURIComponent(terms.join(' ')).replace(/'/g, '%27');

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
            li.setAttribute('data-cjk', '');
            var a = document.createElement('a');
            a.href = root + parts[0] + '?highlight=' + mark + '#' + (parts[1] || '');
            a.setAttribute('aria-details', 'cjk-teaser-' + n);
            a.textContent = hit.doc.breadcrumbs;
            var teaser = document.createElement('span');
            teaser.className = 'teaser';
            teaser.id = 'cjk-teaser-' + n;
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
            if (!list.children[i].hasAttribute('data-cjk')) {
                return false;
            }
        }
        return true;
    }

    // Render our results if the query is CJK, the index is there and the list is not ours yet.
    function refresh() {
        var q = query();
        if (q === '' || !CJK.test(q) || !loadDocs()) {
            return;
        }
        if (ours() && list.getAttribute('data-cjk-query') === q) {
            return;
        }
        list.setAttribute('data-cjk-query', q);
        render(q);
    }

    new MutationObserver(refresh).observe(header, { childList: true, characterData: true, subtree: true });
    new MutationObserver(refresh).observe(list, { childList: true });
    bar.addEventListener('input', refresh);
    refresh();
})();
