// What the browser tests look for on a page, run inside Chromium after the page is drawn.
// Injected with Playwright's add_script_tag; each check returns a list of problems as text.
window.pageChecks = (() => {
  const TOLERANCE_PX = 1;

  const shown = (element) =>
    element.checkVisibility({ opacityProperty: true, visibilityProperty: true });

  const label = (element) => (element.textContent || "").trim().replace(/\s+/g, " ").slice(0, 60);

  // The four corners of an SVG text on screen, rotation included.
  function corners(text) {
    const box = text.getBBox();
    const matrix = text.getScreenCTM();
    if (!matrix || box.width === 0 || box.height === 0) return null;
    return [
      [box.x, box.y],
      [box.x + box.width, box.y],
      [box.x + box.width, box.y + box.height],
      [box.x, box.y + box.height],
    ].map(([x, y]) => [matrix.a * x + matrix.c * y + matrix.e, matrix.b * x + matrix.d * y + matrix.f]);
  }

  // How deep two convex shapes overlap (0 when apart), by the separating axis theorem.
  function overlapDepth(p, q) {
    let depth = Infinity;
    for (const shape of [p, q]) {
      for (let i = 0; i < shape.length; i++) {
        const [x1, y1] = shape[i];
        const [x2, y2] = shape[(i + 1) % shape.length];
        const length = Math.hypot(y2 - y1, x1 - x2);
        if (length === 0) continue;
        const [nx, ny] = [(y2 - y1) / length, (x1 - x2) / length];
        const a = p.map(([x, y]) => x * nx + y * ny);
        const b = q.map(([x, y]) => x * nx + y * ny);
        const d = Math.min(Math.max(...a), Math.max(...b)) - Math.max(Math.min(...a), Math.min(...b));
        if (d <= 0) return 0;
        depth = Math.min(depth, d);
      }
    }
    return depth;
  }

  function outside(points, rect) {
    return points.some(
      ([x, y]) =>
        x < rect.left - TOLERANCE_PX ||
        x > rect.right + TOLERANCE_PX ||
        y < rect.top - TOLERANCE_PX ||
        y > rect.bottom + TOLERANCE_PX,
    );
  }

  function chartsReady() {
    const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
    return charts.every((chart) => {
      const plot = chart.querySelector(".js-plotly-plot");
      return plot && plot._fullLayout && chart.querySelector("svg.main-svg");
    });
  }

  // Tick labels, titles, annotations, legends and text marks of every chart: each
  // inside its figure (and inside the plot area where the plot clips it), none overlapping.
  function chartText() {
    const problems = [];
    document.querySelectorAll('[data-testid="stPlotlyChart"]').forEach((chart, number) => {
      const container = chart.querySelector(".svg-container");
      if (!container || !shown(container)) return;
      const figure = container.getBoundingClientRect();
      const plotArea = chart.querySelector(".draglayer .nsewdrag");
      const plotRect = plotArea ? plotArea.getBoundingClientRect() : figure;
      const name = chart.closest("[class*='st-key-']")?.className.match(/st-key-(\S+)/)?.[1] || `chart ${number + 1}`;
      const texts = [];
      container.querySelectorAll("svg.main-svg text").forEach((text) => {
        if (text.closest(".hoverlayer") || !label(text) || !shown(text)) return;
        const points = corners(text);
        if (!points) return;
        texts.push({ text, points });
        if (outside(points, figure)) {
          problems.push(`${name}: "${label(text)}" is cut off at the edge of the chart`);
          return;
        }
        let clipped = false;
        for (let node = text.parentElement; node && node !== container; node = node.parentElement) {
          if (node.hasAttribute("clip-path") && node.closest(".plot")) clipped = true;
        }
        if (clipped && outside(points, plotRect)) {
          problems.push(`${name}: "${label(text)}" is cut off at the edge of the plot`);
        }
      });
      for (let i = 0; i < texts.length; i++) {
        for (let j = i + 1; j < texts.length; j++) {
          if (overlapDepth(texts[i].points, texts[j].points) > TOLERANCE_PX) {
            problems.push(
              `${name}: "${label(texts[i].text)}" overlaps "${label(texts[j].text)}"`,
            );
          }
        }
      }
    });
    return problems;
  }

  // A value Python or pandas left unformatted: None, nan, NaT, <NA>, undefined.
  // "None of the teams..." is English, so None counts only when nothing but
  // punctuation or the end of the text follows it.
  const RAW = /(?<![A-Za-z])(None(?=\s*(?:$|[,;:.)\]|]))|nan|NaN|NaT|<NA>|undefined)(?![A-Za-z])/;

  function rawValues() {
    const problems = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) =>
        node.parentElement && !node.parentElement.closest("script, style, noscript")
          ? NodeFilter.FILTER_ACCEPT
          : NodeFilter.FILTER_REJECT,
    });
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      if (RAW.test(text)) problems.push(`raw value in "${text.slice(0, 80)}"`);
    }
    return problems;
  }

  // Text the page cuts short with an ellipsis: a label or tile that does not fit.
  function clippedText() {
    const problems = [];
    document
      .querySelectorAll('[data-testid="stMain"] *, [data-testid="stSidebarUserContent"] *')
      .forEach((element) => {
        if (!element.childNodes.length || !shown(element)) return;
        const style = getComputedStyle(element);
        if (style.textOverflow !== "ellipsis") return;
        if (element.scrollWidth > element.clientWidth + TOLERANCE_PX) {
          problems.push(`"${label(element)}" is cut short with an ellipsis`);
        }
      });
    return problems;
  }

  // Text wider than the window, which a reader would have to scroll sideways to read.
  // Tables and charts may scroll inside their own box; text may not.
  function sidewaysText() {
    const width = document.documentElement.clientWidth;
    const problems = [];
    const main = document.querySelector('[data-testid="stMain"]');
    for (const scroller of [document.scrollingElement, main]) {
      if (scroller && scroller.scrollWidth > scroller.clientWidth + TOLERANCE_PX) {
        problems.push(`the page scrolls sideways (${scroller.scrollWidth} > ${scroller.clientWidth})`);
      }
    }
    const own = '[data-testid="stTable"], [data-testid="stDataFrame"], [data-testid="stPlotlyChart"]';
    for (const element of main.querySelectorAll('p, li, h1, h2, h3, label, [data-testid="stText"]')) {
      if (element.closest(own) || !shown(element)) continue;
      const box = element.getBoundingClientRect();
      if (box.width && box.right > width + TOLERANCE_PX) {
        problems.push(`"${label(element)}" reaches ${Math.round(box.right)} px of ${width}`);
      }
    }
    return problems;
  }

  return { chartsReady, chartText, rawValues, clippedText, sidewaysText };
})();
