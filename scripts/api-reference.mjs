// Writes docs/api/client.md, recipes.md and testing.md from the exported declarations of the
// three public entry points and their doc comments, using the TypeScript compiler API (no extra
// dependency). With --check it writes nothing and exits 1 when the committed files differ, so
// a test can keep them current. Usage: node scripts/api-reference.mjs [--check]
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as prettier from 'prettier';
import ts from 'typescript';

const root = join(import.meta.dirname, '..');
const ENTRIES = [
  { file: 'src/client/index.ts', out: 'docs/api/client.md', title: 'warren/client' },
  { file: 'src/recipes/index.ts', out: 'docs/api/recipes.md', title: 'warren/recipes' },
  { file: 'src/testing/index.ts', out: 'docs/api/testing.md', title: 'warren/testing' },
];

const program = ts.createProgram(
  ENTRIES.map((e) => join(root, e.file)),
  {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    types: ['node'],
    noEmit: true,
  },
);
const checker = program.getTypeChecker();

const oneLine = (text) => text.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')');
const srcPath = (node) => relative(root, node.getSourceFile().fileName).split('\\').join('/');
const inSrc = (node) => srcPath(node).startsWith('src/');

function docOf(symbol) {
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const tags = symbol
    .getJsDocTags(checker)
    .map((t) => `@${t.name} ${ts.displayPartsToString(t.text ?? [])}`.trim());
  return [text, ...tags].filter((s) => s !== '').join('\n\n');
}

/** The leading block comment of a file (its header). */
function headerOf(sourceFile) {
  const ranges = ts.getLeadingCommentRanges(sourceFile.text, 0) ?? [];
  const block = ranges.find((r) => r.kind === ts.SyntaxKind.MultiLineCommentTrivia);
  if (block === undefined) return '';
  return sourceFile.text
    .slice(block.pos + 3, block.end - 2)
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

function isPublic(decl) {
  const mods = ts.getCombinedModifierFlags(decl);
  if (mods & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
  return !(decl.name && ts.isPrivateIdentifier(decl.name));
}

function typeText(node, fallback) {
  return node.type ? oneLine(node.type.getText()) : checker.typeToString(fallback);
}

function paramsText(decl) {
  return decl.parameters
    .map((p) => oneLine(p.getText()).replace(/^(?:(?:private|public|protected|readonly)\s+)+/, ''))
    .join(', ');
}

function signatureOf(decl, name) {
  const sig = checker.getSignatureFromDeclaration(decl);
  const ret = decl.type ? oneLine(decl.type.getText()) : checker.typeToString(sig.getReturnType());
  const typeParams = decl.typeParameters
    ? `<${decl.typeParameters.map((t) => t.getText()).join(', ')}>`
    : '';
  return `${name}${typeParams}(${paramsText(decl)}): ${ret}`;
}

/** Class declarations exported by the entry being rendered: their members are shown there. */
let exportedClasses = new Set();

function memberLine(member, owner) {
  const decl = member.declarations?.find(isPublic);
  if (decl === undefined || !inSrc(decl)) return undefined;
  const declaredIn = ts.isClassDeclaration(decl.parent) ? decl.parent : undefined;
  if (declaredIn !== undefined && declaredIn !== owner && exportedClasses.has(declaredIn)) {
    return undefined; // listed under the exported base class
  }
  const name = member.getName();
  if (name.startsWith('_') || name === 'constructor') return undefined;
  const mods = ts.getCombinedModifierFlags(decl);
  const isStatic = mods & ts.ModifierFlags.Static ? 'static ' : '';
  const readonly = mods & ts.ModifierFlags.Readonly ? 'readonly ' : '';
  let code;
  if (ts.isMethodDeclaration(decl) || ts.isMethodSignature(decl)) {
    const all = member.declarations.filter(
      (d) => (ts.isMethodDeclaration(d) || ts.isMethodSignature(d)) && isPublic(d),
    );
    const overloads = all.length > 1 ? all.filter((d) => d.body === undefined) : all;
    return overloads
      .map((d) => {
        const sig = checker.getSignatureFromDeclaration(d);
        const doc = ts.displayPartsToString(sig.getDocumentationComment(checker)).trim();
        const line = `${isStatic}${signatureOf(d, name)}`;
        return `- \`${line}\`${doc === '' ? '' : ` — ${doc.replace(/\n+/g, ' ')}`}`;
      })
      .join('\n');
  } else if (ts.isGetAccessorDeclaration(decl)) {
    const setter = member.declarations.some((d) => ts.isSetAccessorDeclaration(d));
    const type = typeText(decl, checker.getTypeOfSymbol(member));
    code = `${isStatic}${setter ? '' : 'readonly '}${name}: ${type}`;
  } else if (
    ts.isPropertyDeclaration(decl) ||
    ts.isPropertySignature(decl) ||
    ts.isParameter(decl)
  ) {
    const optional = decl.questionToken ? '?' : '';
    const type = typeText(decl, checker.getTypeOfSymbolAtLocation(member, decl));
    code = `${isStatic}${readonly}${name}${optional}: ${type}`;
  } else {
    return undefined;
  }
  const doc = docOf(member);
  return `- \`${code}\`${doc === '' ? '' : ` — ${doc.replace(/\n+/g, ' ')}`}`;
}

function renderClass(name, symbol, decl) {
  const lines = [];
  const heritage = (decl.heritageClauses ?? []).map((h) => oneLine(h.getText())).join(' ');
  lines.push(`### class ${name}${heritage === '' ? '' : ` ${heritage}`}`, '');
  lines.push(`Source: \`${srcPath(decl)}\``, '');
  const doc = docOf(symbol);
  if (doc !== '') lines.push(doc, '');
  const ctor = findConstructor(decl);
  if (ctor !== undefined && isPublic(ctor)) {
    lines.push('```ts', `new ${name}(${paramsText(ctor)})`, '```', '');
  }
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  const members = checker
    .getPropertiesOfType(type)
    .map((m) => memberLine(m, decl))
    .filter((l) => l !== undefined);
  const statics = checker
    .getPropertiesOfType(checker.getTypeOfSymbol(symbol))
    .filter((s) => s.getName() !== 'prototype')
    .map((m) => memberLine(m, decl))
    .filter((l) => l !== undefined);
  const all = [...statics, ...members];
  if (all.length > 0) lines.push(...all, '');
  return lines;
}

function findConstructor(decl) {
  for (let d = decl; d !== undefined; ) {
    const ctor = d.members.find((m) => ts.isConstructorDeclaration(m) && m.body !== undefined);
    if (ctor !== undefined) return ctor;
    const ext = d.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
    const base = ext && checker.getSymbolAtLocation(ext.types[0].expression);
    const resolved =
      base && base.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(base) : base;
    const next = resolved?.declarations?.find(ts.isClassDeclaration);
    if (next === undefined || !inSrc(next)) return undefined;
    d = next;
  }
  return undefined;
}

function renderInterface(name, symbol, decl) {
  const lines = [`### interface ${name}`, '', `Source: \`${srcPath(decl)}\``, ''];
  const doc = docOf(symbol);
  if (doc !== '') lines.push(doc, '');
  const members = checker
    .getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))
    .map((m) => memberLine(m, decl))
    .filter((l) => l !== undefined);
  if (members.length > 0) lines.push(...members, '');
  return lines;
}

function renderText(kind, name, symbol, decl, code) {
  const lines = [`### ${kind} ${name}`, '', `Source: \`${srcPath(decl)}\``, ''];
  const doc = docOf(symbol);
  if (doc !== '') lines.push(doc, '');
  lines.push('```ts', code, '```', '');
  return lines;
}

function render(name, exported) {
  const symbol =
    exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const decl = symbol.declarations?.[0];
  if (decl === undefined) return { group: 'Other', lines: [`### ${name}`, ''] };
  if (ts.isClassDeclaration(decl))
    return { group: 'Classes', lines: renderClass(name, symbol, decl) };
  if (ts.isInterfaceDeclaration(decl)) {
    return { group: 'Interfaces', lines: renderInterface(name, symbol, decl) };
  }
  if (ts.isTypeAliasDeclaration(decl)) {
    const code = decl.getText().replace(/^export\s+/, '');
    return { group: 'Types', lines: renderText('type', name, symbol, decl, code) };
  }
  if (ts.isFunctionDeclaration(decl)) {
    const code = `function ${signatureOf(decl, name)}`;
    return { group: 'Functions', lines: renderText('function', name, symbol, decl, code) };
  }
  if (ts.isVariableDeclaration(decl)) {
    const type = decl.type
      ? oneLine(decl.type.getText())
      : checker.typeToString(
          checker.getTypeOfSymbolAtLocation(symbol, decl),
          decl,
          ts.TypeFormatFlags.NoTruncation,
        );
    const code = `const ${name}: ${type}`;
    return { group: 'Constants', lines: renderText('const', name, symbol, decl, code) };
  }
  return { group: 'Other', lines: [`### ${name}`, ''] };
}

const GROUPS = ['Classes', 'Functions', 'Constants', 'Interfaces', 'Types', 'Other'];

function build(entry) {
  const sourceFile = program.getSourceFile(join(root, entry.file));
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  const exports = checker
    .getExportsOfModule(moduleSymbol)
    .sort((a, b) => (a.getName() < b.getName() ? -1 : a.getName() > b.getName() ? 1 : 0));
  exportedClasses = new Set(
    exports
      .map((e) => (e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e))
      .flatMap((s) => s.declarations ?? [])
      .filter(ts.isClassDeclaration),
  );
  const grouped = new Map(GROUPS.map((g) => [g, []]));
  for (const exported of exports) {
    const { group, lines } = render(exported.getName(), exported);
    grouped.get(group).push(...lines);
  }
  const out = [
    `# API reference: \`${entry.title}\``,
    '',
    `<!-- Generated by scripts/api-reference.mjs from ${entry.file}; do not edit. -->`,
    '',
    headerOf(sourceFile),
    '',
    'See [the guide](../guide.md) for how the pieces fit together.',
    '',
  ];
  for (const group of GROUPS) {
    const lines = grouped.get(group);
    if (lines.length === 0) continue;
    out.push(`## ${group}`, '', ...lines);
  }
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n'
  );
}

const check = process.argv.includes('--check');
let stale = [];
for (const entry of ENTRIES) {
  const target = join(root, entry.out);
  const options = (await prettier.resolveConfig(target)) ?? {};
  const text = await prettier.format(build(entry), { ...options, filepath: target });
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current === text) continue;
  if (check) {
    stale.push(entry.out);
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    console.log(`wrote ${entry.out}`);
  }
}
if (stale.length > 0) {
  console.error(`out of date: ${stale.join(', ')}; run npm run docs:api`);
  process.exit(1);
}
