/*
 * lang-switch.js: a link in the menu bar to the page you are reading, in the book's other edition.
 *
 * The Chinese book is built at the root and its English edition beside it in en/ (book.toml's
 * [preprocessor.gettext.editions]; `cargo xtask build` and `checker serve` build both). Both
 * editions have the same pages under the same names, so the link keeps the page's path relative
 * to its edition's root (`step1-deploy.html`, `en/step1-deploy.html`) and, when followed, the
 * section in the address (#anchor: the sections with an explicit id share it).
 *
 * mdBook gives each page `path_to_root` (the way up to its edition's root) and the edition's
 * `book.language` as <html lang>. Plain URL arithmetic, so it works on a server, in a
 * subdirectory of a site and from file://.
 */
(function () {
    'use strict';

    // The editions: the source at the root first. `label` is in the edition's own language.
    var EDITIONS = [
        { lang: 'zh-CN', dir: '', label: '中文', title: '阅读本页的中文版' },
        { lang: 'en', dir: 'en/', label: 'English', title: 'Read this page in English' },
    ];

    var buttons = document.querySelector('#mdbook-menu-bar .right-buttons');
    if (!buttons || typeof path_to_root !== 'string') {
        return;
    }
    var pageLang = (document.documentElement.lang || '').toLowerCase();
    var current = EDITIONS.filter(function (e) {
        return e.dir !== '' && pageLang.indexOf(e.lang.toLowerCase()) === 0;
    })[0] || EDITIONS[0];

    var page = new URL(location.href);
    page.search = '';
    page.hash = '';
    // path_to_root is '' on the pages at the root: '' would resolve to the page itself.
    var editionRoot = new URL(path_to_root || './', page);
    if (page.href.indexOf(editionRoot.href) !== 0) {
        return; // not a page of the book (a 404 page elsewhere on the site)
    }
    var rel = page.href.slice(editionRoot.href.length);
    if (rel === '' && page.protocol === 'file:') {
        rel = 'index.html'; // no directory index from file://
    }
    var bookRoot = new URL(current.dir.replace(/[^/]+\//g, '../'), editionRoot);

    EDITIONS.forEach(function (edition) {
        if (edition === current) {
            return;
        }
        var a = document.createElement('a');
        a.className = 'lang-switch';
        a.href = new URL(edition.dir + rel, bookRoot).href;
        a.hreflang = edition.lang;
        a.lang = edition.lang;
        a.title = edition.title;
        a.setAttribute('aria-label', edition.title);
        a.textContent = edition.label;
        // Keep the section being read, as it is at the moment of the click.
        a.addEventListener('click', function () {
            a.href = new URL(edition.dir + rel, bookRoot).href + location.hash;
        });
        buttons.insertBefore(a, buttons.firstChild);
    });
})();
