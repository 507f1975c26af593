// memlab's packages depend on puppeteer, whose install step downloads a browser. The inspection
// tests only use memlab's heap-snapshot analysis (no browser), and the build machines reach no
// browser download host: skip it.
module.exports = { skipDownload: true };
