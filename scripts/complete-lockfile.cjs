#!/usr/bin/env node
/**
 * Adds to package-lock.json the platform-specific optional packages (native
 * builds for other OSes and CPUs) that npm left out because the registry we
 * install from does not serve them. Without their entries `npm ci` refuses
 * the lock ("Missing: … from lock file"); with them, npm ci sees each one is
 * for another platform and skips it, so nothing is ever downloaded.
 * Run after `npm install` changes the lock: node scripts/complete-lockfile.cjs
 */
const fs = require("node:fs");

const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
const CPUS = ["x64", "arm64", "arm", "ia32", "ppc64", "s390x", "riscv64", "loong64"];
const OSES = ["darwin", "linux", "win32", "freebsd", "android", "openharmony", "sunos", "aix", "netbsd", "openbsd"];
let added = 0;

for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path}/node_modules/${name}`;
    if (lock.packages[`node_modules/${name}`] || lock.packages[nested]) continue;
    const parts = name.split("/").pop().split("-");
    const os = parts.find((p) => OSES.includes(p));
    const cpu = parts.find((p) => CPUS.includes(p));
    if (!os || !cpu) {
      console.warn(`cannot tell the platform of ${name}; left out`);
      continue;
    }
    const platform = { version, cpu: [cpu], os: [os], optional: true };
    if (parts.some((p) => p === "gnu" || p === "gnueabihf")) platform.libc = ["glibc"];
    if (parts.some((p) => p === "musl" || p === "musleabihf")) platform.libc = ["musl"];
    lock.packages[`node_modules/${name}`] = platform;
    added++;
  }
}

const { "": root, ...rest } = lock.packages;
lock.packages = { "": root, ...Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))) };
fs.writeFileSync("package-lock.json", `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} platform package entr${added === 1 ? "y" : "ies"}`);
