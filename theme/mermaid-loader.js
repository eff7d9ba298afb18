/*
 * mermaid-loader.js: loads Mermaid only on the pages that hold a diagram, and draws them.
 *
 * Why: Mermaid's library (mermaid.min.js) weighs 2.7 MB. Listed in book.toml's `additional-js`,
 * as `mdbook-mermaid install` sets it up, every page downloads and runs it, though most pages have
 * no diagram. This script is listed instead; the library sits at the book's root (`cargo xtask
 * setup` writes it to src/mermaid.min.js, git-ignored; mdBook copies it to the output) and is
 * fetched only when the page has a `pre.mermaid` block (what the mermaid preprocessor makes of a
 * ```mermaid fence). theme/head.hbs asks for it as soon as the parser meets the first block, so
 * that it downloads and compiles while the rest of the page loads; this script, at the end of
 * the page, waits for it (or asks for it, if head.hbs did not).
 *
 * Then it does what mdbook-mermaid's mermaid-init.js does, a little better:
 *   - the diagrams use Mermaid's `dark` theme under mdBook's dark themes (navy, coal, ayu) and
 *     `default` otherwise;
 *   - when the reader switches themes, the diagrams are drawn again in the new one (mermaid-init.js
 *     reloads the page for that; we redraw in place, and follow the Auto choice too);
 *   - on the print page (print.html, which calls window.print() once loaded), printing waits until
 *     every diagram is drawn.
 *
 * Pages without a diagram are left alone: nothing is fetched, nothing is changed. On the others,
 * three performance marks tell where the time goes (`cargo xtask bench book` prints them):
 * mermaid:fetch (the library is asked for), mermaid:ready (it has run), mermaid:drawn (the first
 * drawing is done).
 */
(function () {
    'use strict';

    var blocks = Array.prototype.slice.call(document.querySelectorAll('pre.mermaid'));
    if (blocks.length === 0) {
        return;
    }

    var DARK_THEMES = ['ayu', 'coal', 'navy'];
    var root = typeof path_to_root === 'string' ? path_to_root : ''; // set by mdBook's page
    var html = document.documentElement;
    var EN = (html.lang || '').toLowerCase().indexOf('en') === 0;

    // Mermaid reads a block's text from its innerHTML and replaces it with the SVG: keep the
    // source of each block to draw it again in another theme.
    var sources = blocks.map(function (block) { return block.innerHTML; });

    function wantedTheme() {
        for (var i = 0; i < DARK_THEMES.length; i++) {
            if (html.classList.contains(DARK_THEMES[i])) {
                return 'dark';
            }
        }
        return 'default';
    }

    function mark(name) {
        if (window.performance && performance.mark) {
            performance.mark(name);
        }
    }

    // The library: theme/head.hbs has usually asked for it already (script#mermaid-library, its
    // data-state set once it loaded or failed); otherwise it is asked for now.
    function loadLibrary() {
        return new Promise(function (resolve, reject) {
            var script = document.getElementById('mermaid-library');
            var settle = function () {
                if (window.mermaid) {
                    resolve(window.mermaid);
                    return;
                }
                reject(new Error(EN
                    ? 'cannot load ' + script.src + ': the diagrams stay as text (run `cargo xtask setup`)'
                    : '无法加载 ' + script.src + '：图表只能显示为文本（请运行 `cargo xtask setup`）'));
            };
            if (script === null) {
                script = document.createElement('script');
                script.id = 'mermaid-library';
                script.src = root + 'mermaid.min.js';
                script.addEventListener('load', function () { mark('mermaid:ready'); });
                mark('mermaid:fetch');
                document.head.appendChild(script);
            } else if (script.hasAttribute('data-state')) {
                settle();
                return;
            }
            script.addEventListener('load', settle);
            script.addEventListener('error', settle);
        });
    }

    var drawnTheme = null;

    function draw(mermaid) {
        var theme = wantedTheme();
        if (theme === drawnTheme) {
            return Promise.resolve();
        }
        if (drawnTheme !== null) {
            blocks.forEach(function (block, i) {
                block.removeAttribute('data-processed');
                block.innerHTML = sources[i];
            });
        }
        drawnTheme = theme;
        mermaid.initialize({ startOnLoad: false, theme: theme });
        return mermaid.run({ nodes: blocks });
    }

    function report(err) {
        console.error('mermaid-loader:', err);
    }

    // One drawing at a time: a theme switch during a drawing waits for it, then redraws. `drawn`
    // settles when the latest drawing is done, well or not.
    var drawn = loadLibrary()
        .then(function (mermaid) {
            new MutationObserver(redraw).observe(html, { attributes: true, attributeFilter: ['class'] });
            return draw(mermaid).then(function () { mark('mermaid:drawn'); });
        })
        .catch(report);

    function redraw() {
        drawn = drawn.then(function () { return draw(window.mermaid); }).catch(report);
    }

    // print.html calls window.print() shortly after the load event: wait for the diagrams first
    // (they draw asynchronously, and a big page takes longer than mdBook's 100 ms).
    var print = window.print;
    window.print = function () {
        drawn.then(function () { print.call(window); });
    };
})();
