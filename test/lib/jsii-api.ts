import * as path from 'path';
import * as ts from 'typescript';

/*
 * What of a module's public API jsii could not carry to other languages: exported variables,
 * functions and type aliases (jsii drops them), generic classes, interfaces and methods, and, in
 * any public signature, union types (other than `T | undefined`), intersections, function types,
 * tuples and literal types. Structs (interfaces not named `I...`) must be readonly data only.
 * A check of the shapes jsii refuses, read from the TypeScript syntax of the declarations.
 */

const ROOT = path.join(__dirname, '..', '..');

function compilerOptions(): ts.CompilerOptions {
  const configFile = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  return ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT).options;
}

function typeProblems(node: ts.TypeNode | undefined, where: string): string[] {
  if (!node) return [];
  if (ts.isUnionTypeNode(node)) {
    const defined = node.types.filter((t) => t.kind !== ts.SyntaxKind.UndefinedKeyword && !(ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword));
    if (defined.length > 1) return [`${where} has union type '${node.getText()}'`];
    return defined.flatMap((t) => typeProblems(t, where));
  }
  if (ts.isIntersectionTypeNode(node)) return [`${where} has intersection type '${node.getText()}'`];
  if (ts.isFunctionTypeNode(node)) return [`${where} has function type '${node.getText()}': jsii takes an interface with a method instead`];
  if (ts.isTupleTypeNode(node)) return [`${where} has tuple type '${node.getText()}'`];
  if (ts.isLiteralTypeNode(node)) return [`${where} has literal type '${node.getText()}': jsii takes an enum instead`];
  if (ts.isArrayTypeNode(node)) return typeProblems(node.elementType, where);
  if (ts.isParenthesizedTypeNode(node)) return typeProblems(node.type, where);
  if (ts.isTypeLiteralNode(node)) {
    const [member] = node.members;
    // `{ [key: string]: T }` is a map, which jsii carries; any other object type is anonymous.
    if (node.members.length === 1 && ts.isIndexSignatureDeclaration(member)) return typeProblems(member.type, where);
    return [`${where} has anonymous object type '${node.getText()}': jsii takes a named interface`];
  }
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText();
    const args = node.typeArguments ?? [];
    if (name === 'Record') {
      if (args[0]?.kind !== ts.SyntaxKind.StringKeyword) return [`${where} has '${node.getText()}': jsii maps take string keys`];
      return typeProblems(args[1], where);
    }
    if (name === 'Array' || name === 'Promise') return args.flatMap((a) => typeProblems(a, where));
    if (args.length > 0) return [`${where} has generic type '${node.getText()}'`];
  }
  return [];
}

function isPublic(member: ts.ClassElement | ts.TypeElement): boolean {
  const modifiers = ts.canHaveModifiers(member) ? ts.getModifiers(member) ?? [] : [];
  if (modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) return false;
  return !(member.name && (ts.isPrivateIdentifier(member.name) || ts.isComputedPropertyName(member.name)));
}

function signatureProblems(node: ts.SignatureDeclarationBase, where: string): string[] {
  const problems: string[] = [];
  if (node.typeParameters?.length) problems.push(`${where} is generic`);
  for (const parameter of node.parameters) problems.push(...typeProblems(parameter.type, `${where} parameter '${parameter.name.getText()}'`));
  problems.push(...typeProblems(node.type, `${where} return`));
  return problems;
}

function memberProblems(member: ts.ClassElement | ts.TypeElement, owner: string): string[] {
  if (!isPublic(member)) return [];
  const where = `${owner}.${member.name?.getText() ?? 'constructor'}`;
  if (ts.isPropertyDeclaration(member) || ts.isPropertySignature(member)) return typeProblems(member.type, where);
  if (ts.isGetAccessorDeclaration(member)) return typeProblems(member.type, where);
  if (ts.isMethodDeclaration(member) || ts.isMethodSignature(member) || ts.isConstructorDeclaration(member)) return signatureProblems(member, where);
  return [];
}

function structProblems(declaration: ts.InterfaceDeclaration): string[] {
  const name = declaration.name.text;
  if (/^I[A-Z]/.test(name)) return [];
  return declaration.members.flatMap((member) => {
    if (ts.isMethodSignature(member)) return [`struct ${name} has method '${member.name.getText()}': structs are data only (or name the interface I${name})`];
    const readonly = ts.isPropertySignature(member) && (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword);
    return readonly ? [] : [`struct ${name} has property '${member.name?.getText()}' that is not readonly`];
  });
}

function declarationProblems(name: string, declaration: ts.Declaration): string[] {
  if (ts.isClassDeclaration(declaration)) {
    const generic = declaration.typeParameters?.length ? [`class ${name} is generic`] : [];
    return [...generic, ...declaration.members.flatMap((m) => memberProblems(m, name))];
  }
  if (ts.isInterfaceDeclaration(declaration)) {
    const generic = declaration.typeParameters?.length ? [`interface ${name} is generic`] : [];
    return [...generic, ...structProblems(declaration), ...declaration.members.flatMap((m) => memberProblems(m, name))];
  }
  if (ts.isEnumDeclaration(declaration)) return [];
  return [`'${name}' is exported as a ${ts.SyntaxKind[declaration.kind]}, which jsii drops: export a class, interface or enum`];
}

/** The problems jsii would have with the public API exported by `entry` (a path from the repository root). */
export function jsiiProblems(entry: string): string[] {
  const options = { ...compilerOptions(), noLib: true, types: [] };
  const host = ts.createCompilerHost(options);
  // Only the module's own declarations are read, by their syntax: leaving the packages they
  // import unresolved keeps aws-cdk-lib's thousands of declaration files out of the program.
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => !file.split(path.sep).includes('node_modules') && fileExists(file);
  const program = ts.createProgram([path.join(ROOT, entry)], options, host);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(path.join(ROOT, entry));
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`${entry} is not a module the compiler can read`);
  return checker.getExportsOfModule(moduleSymbol).flatMap((exported) => {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    return (symbol.declarations ?? []).flatMap((declaration) => declarationProblems(exported.name, declaration));
  });
}
