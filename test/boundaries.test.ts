// The import rules of DESIGN.md, checked on every source file: protocol/ and hardware/ import nothing of the project
// but lib/ (the shared floor), lib/ imports nothing of the project, the controller never imports the cart's code, the cart never imports the
// controller, and protocol/ does no I/O.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const layers = ['protocol', 'hardware', 'lib', 'device', 'controller'] as const;
type Layer = (typeof layers)[number];

const allowed: Record<Layer, readonly Layer[]> = {
  protocol: ['lib'],
  hardware: ['lib'],
  lib: [],
  device: ['protocol', 'hardware', 'lib'],
  controller: ['protocol', 'lib'],
};

/** Node modules that would let protocol/ touch the outside world. */
const ioModules = /^(node:)?(fs|fs\/promises|net|dgram|http|https|http2|child_process|worker_threads|tls|dns|os|process)$/;

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return []; // a layer with no code yet (git keeps no empty folders)
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier in a file: static imports, re-exports and dynamic `import()`. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s+['"]([^'"]+)['"]/gm];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1]!);
  return found;
}

function layerOf(path: string): Layer | undefined {
  const top = relative(root, path).split(sep)[0];
  return (layers as readonly string[]).includes(top ?? '') ? (top as Layer) : undefined;
}

function violations(): string[] {
  const bad: string[] = [];
  for (const layer of layers) {
    for (const file of sourceFiles(join(root, layer))) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const where = relative(root, file);
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          const targetLayer = layerOf(target);
          if (targetLayer === undefined && !relative(root, target).startsWith(layer)) {
            bad.push(`${where} imports ${spec}, outside the ${layers.length} layers`);
          } else if (targetLayer !== undefined && targetLayer !== layer && !allowed[layer].includes(targetLayer)) {
            bad.push(`${where} imports ${spec} (${layer}/ may not import ${targetLayer}/)`);
          }
        } else if (layer === 'protocol' && ioModules.test(spec)) {
          bad.push(`${where} imports ${spec}: protocol/ does no I/O`);
        }
      }
    }
  }
  return bad;
}

/** Every project file `entry` loads through static imports and re-exports (dynamic `import()` is left out: it loads on demand). */
function staticClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8').replace(/\bimport\s*\(\s*['"][^'"]+['"]\s*\)/g, '');
    for (const spec of specifiers(source)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
    }
  };
  visit(entry);
  return [...seen].map((file) => relative(root, file));
}

describe('import boundaries', () => {
  it('finds every kind of import, so that the check below can fail', () => {
    const src = `import a from '../device/x.js';\nexport { b } from "../hardware/y.js";\nconst c = await import('../controller/z.js');\nimport './side-effect.js';`;
    expect(specifiers(src)).toEqual(['../device/x.js', '../hardware/y.js', '../controller/z.js', './side-effect.js']);
  });

  it('holds for every source file', () => {
    expect(violations()).toEqual([]);
  });

  // cli/main.ts promises that the controller never loads the cart's code; these are the controller's command groups.
  it.each(['cli/controller.ts', 'cli/content.ts', 'cli/report.ts'])('%s loads nothing of the cart', (entry) => {
    const files = staticClosure(join(root, entry));
    expect(files).toContain(join('controller', 'app', 'controller.ts'));
    expect(files.filter((f) => layerOf(join(root, f)) === 'device' || layerOf(join(root, f)) === 'hardware')).toEqual([]);
  });

  // …and the cart's groups load nothing of the controller (`loa unit command` loads it on demand).
  it.each(['cli/unit.ts', 'cli/proto.ts', 'cli/hw.ts'])('%s loads nothing of the controller', (entry) => {
    const files = staticClosure(join(root, entry));
    expect(files.filter((f) => layerOf(join(root, f)) === 'controller')).toEqual([]);
  });
});
