import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";

const SETTLE_MS = 200;

/**
 * Calls `onChange` once a policy file has settled after a change. Watches the
 * folder, not the file: editors and `git checkout` replace a file (rename),
 * which ends a watch on the file itself.
 */
export function watchPolicyFile(file: string, onChange: () => void): FSWatcher {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dirname(file), (_event, name) => {
    if (name !== null && name !== basename(file)) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, SETTLE_MS);
  });
  watcher.on("close", () => clearTimeout(timer));
  return watcher;
}
