"""HCL native syntax front end: tree-sitter-hcl parse, compiled to syntax blocks and expression
trees in one pass. Every block and attribute keeps its line range."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from dicomguard.model import InputError
from dicomguard.terraform.syntax import Ast, SyntaxAttribute, SyntaxBlock, literal, number

if TYPE_CHECKING:
    from collections.abc import Callable

    from tree_sitter import Node

QUOTED_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
TEMPLATE_HOLES = frozenset({"template_interpolation", "template_directive"})


@lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_hcl

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


def parse_tree(source: bytes) -> Any:
    return _parser().parse(source)


def parse_file(text: str, file: str) -> SyntaxBlock:
    """The file's top-level body as a block of type "" . Raises InputError on a syntax error."""
    source = text.encode("utf-8")
    tree = parse_tree(source)
    root = tree.root_node
    if root.has_error:
        raise _syntax_error(root)
    compiler = _Compiler(source, file)
    body = next((child for child in root.children if child.type == "body"), None)
    block = SyntaxBlock("", [], file, 1, root.end_point[0] + 1)
    if body is not None:
        compiler.fill_body(block, body)
    return block


def parse_expression(text: str, file: str, line: int) -> Ast:
    """Compile one expression written in HCL syntax (used for templates in JSON files)."""
    source = ("x = " + text + "\n").encode("utf-8")
    root = parse_tree(source).root_node
    if root.has_error:
        error = _syntax_error(root)
        raise InputError(error.message, line)
    attribute = root.children[0].children[0]
    return _Compiler(source, file, line - 1).expression(attribute.children[2])


def compile_template(text: str, file: str, line: int) -> Ast:
    """Compile template text (a templatefile() file, a string in a .tf.json file): `${}`
    interpolations and `%{}` directives, no backslash escapes."""
    marker = "DICOMGUARD_TEMPLATE_END"
    while marker in text:
        marker += "_"
    added_newline = not text.endswith("\n")
    body = text + ("\n" if added_newline else "")
    source = f"x = <<{marker}\n{body}{marker}\n".encode()
    root = parse_tree(source).root_node
    if root.has_error:
        error = _syntax_error(root)
        raise InputError(error.message, line + (error.line or 1) - 1)
    expression = root.children[0].children[0].children[2]
    heredoc = expression.children[0].children[0]
    compiler = _Compiler(source, file, line - 1)
    parts = compiler.template_parts(heredoc)
    if added_newline and parts and isinstance(parts[-1], str):
        parts[-1] = parts[-1][:-1]
        if not parts[-1]:
            parts.pop()
    return _template_ast(parts)


def _syntax_error(root: Any) -> InputError:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            return InputError(f"syntax error: missing {node.type!r}", node.start_point[0] + 1)
        if node.type == "ERROR":
            before = node.prev_sibling
            if (before is not None and not before.is_named
                    and before.end_point[0] < node.start_point[0]):
                return InputError(f"syntax error: nothing follows {before.type!r}",
                                  before.end_point[0] + 1)
            snippet = node.text.decode("utf-8", "replace").strip().splitlines()
            near = snippet[0][:40] if snippet else ""
            return InputError(f"syntax error near {near!r}", node.start_point[0] + 1)
        if node.has_error:
            stack.extend(reversed(node.children))
    return InputError("syntax error", root.start_point[0] + 1)


def _decode_quoted(raw: str) -> str:
    if "\\" not in raw and "$${" not in raw and "%%{" not in raw:
        return raw
    out: list[str] = []
    index, length = 0, len(raw)
    while index < length:
        char = raw[index]
        if char == "\\" and index + 1 < length:
            following = raw[index + 1]
            if following in QUOTED_ESCAPES:
                out.append(QUOTED_ESCAPES[following])
                index += 2
                continue
            width = {"u": 4, "U": 8}.get(following)
            if width:
                digits = raw[index + 2:index + 2 + width]
                try:
                    code = int(digits, 16)
                    if 0xD800 <= code <= 0xDFFF:  # a surrogate half is no character either
                        raise ValueError(digits)
                    out.append(chr(code))
                except ValueError:
                    raise InputError(f"invalid escape \\{following}{digits}: not a Unicode "
                                     "character") from None
                index += 2 + width
                continue
        if char in "$%" and raw.startswith(char * 2 + "{", index):
            out.append(char + "{")
            index += 3
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _decode_heredoc(raw: str) -> str:
    return raw.replace("$${", "${").replace("%%{", "%{")


def _strips(node: Any) -> tuple[bool, bool]:
    """Whether a template tag strips the whitespace before it and after it (`~`)."""
    children = node.children
    before = len(children) > 1 and children[1].type == "strip_marker"
    after = len(children) > 1 and children[-2].type == "strip_marker"
    return before, after


class _Compiler:
    def __init__(self, source: bytes, file: str, line_offset: int = 0) -> None:
        self.source = source
        self.file = file
        self.line_offset = line_offset
        self.cut: list[tuple[int, int]] = []  # byte ranges removed by a flush heredoc
        self.chains: set[int] = set()  # conditionals regrouped by conditional()

    def line(self, node: Node) -> int:
        return node.start_point[0] + 1 + self.line_offset

    def end_line(self, node: Node) -> int:
        return node.end_point[0] + 1 + self.line_offset

    def text(self, node: Any) -> str:
        return self.source[node.start_byte:node.end_byte].decode("utf-8")

    # Bodies

    def fill_body(self, block: SyntaxBlock, body: Any) -> None:
        for child in body.children:
            kind = child.type
            if kind == "attribute":
                children = child.children  # name, "=", expression, and any comments
                if len(children) != 3:
                    children = _code(children)
                name = self.text(children[0])
                block.attributes[name] = SyntaxAttribute(
                    name, self.expression(children[-1]), self.line(child), self.end_line(child))
            elif kind == "block":
                block.blocks.append(self.block(child))

    def block(self, node: Any) -> SyntaxBlock:
        children = node.children
        labels: list[str] = []
        body = None
        for child in children[1:]:
            kind = child.type
            if kind == "string_lit":
                labels.append(self.string_literal(child))
            elif kind == "identifier":
                labels.append(self.text(child))
            elif kind == "body":
                body = child
        block = SyntaxBlock(self.text(children[0]), labels, self.file, self.line(node),
                            self.end_line(node))
        if body is not None:
            self.fill_body(block, body)
        return block

    def string_literal(self, node: Any) -> str:
        compiled = self.template(node)
        return compiled[1] if compiled[0] == "lit" else self.text(node).strip('"')

    # Expressions

    def expression(self, node: Any) -> Ast:
        if node.type != "expression":
            return self.term(node)
        children = node.children
        if len(children) == 1:  # a term alone, the usual case
            return self.term(children[0])
        children = _code(children)
        first = children[0]
        if first.type == "(":
            value = self.expression(children[1])
            rest = children[3:]
        else:
            value = self.term(first)
            rest = children[1:]
        return self.traversals(value, rest) if rest else value

    def traversals(self, value: Ast, nodes: list[Any]) -> Ast:
        splat_ops: list[Ast] | None = None
        for node in nodes:
            kind = node.type
            if kind == "splat":
                splat_ops = []
                inner = node.children[0]
                for step in inner.children[1:]:
                    splat_ops.append(self.step(step))
                value = ("splat", value, splat_ops)
                continue
            step = self.step(node)
            if splat_ops is not None:
                splat_ops.append(step)
            elif step[0] == "attr":
                value = ("attr", value, step[1])
            else:
                value = ("index", value, step[1])
        return value

    def step(self, node: Any) -> Ast:
        kind = node.type
        if kind == "get_attr":
            return ("attr", self.text(node.children[-1]))
        if kind == "index":
            inner = node.children[0]
            if inner.type == "legacy_index":
                return ("index", literal(number(self.text(inner)[1:])))
            return ("index", self.expression(inner.children[1]))
        raise InputError(f"unsupported traversal {kind}", self.line(node))

    def term(self, node: Any) -> Ast:
        kind = node.type
        if kind == "expression":
            return self.expression(node)
        if kind == "literal_value":
            return self.literal_value(node.children[0])
        if kind == "template_expr":
            return self.template(node.children[0])
        if kind == "collection_value":
            return self.collection(node.children[0])
        if kind == "variable_expr":
            return ("var", self.text(node.children[0]))
        if kind == "function_call":
            return self.call(node)
        if kind == "for_expr":
            return self.for_expression(node.children[0])
        if kind == "operation":
            return self.operation(node.children[0])
        if kind == "conditional":
            return self.conditional(node)
        raise InputError(f"unsupported expression {kind}", self.line(node))

    def conditional(self, node: Any) -> Ast:
        """tree-sitter-hcl 1.2 groups `a ? b : c ? d : e` as `(a ? b : c) ? d : e`; HCL's
        conditional is right-associative, so an unparenthesised conditional in the condition
        is regrouped as `a ? b : (c ? d : e)`."""
        condition, then, otherwise = (child for child in node.children
                                      if child.type == "expression")
        inner = _code(condition.children)
        if len(inner) == 1 and inner[0].type == "conditional":
            return self._attach(self.conditional(inner[0]), self.expression(then),
                                self.expression(otherwise))
        return ("cond", self.expression(condition), self.expression(then),
                self.expression(otherwise))

    def _attach(self, chain: Ast, then: Ast, otherwise: Ast) -> Ast:
        """`x ? y : z` followed by `? then : otherwise`: z becomes the next condition."""
        last = chain[3]
        if id(last) in self.chains:
            attached: Ast = ("cond", chain[1], chain[2], self._attach(last, then, otherwise))
        else:
            attached = ("cond", chain[1], chain[2], ("cond", last, then, otherwise))
            self.chains.add(id(attached[3]))
        self.chains.add(id(attached))
        return attached

    def literal_value(self, node: Any) -> Ast:
        kind = node.type
        if kind == "string_lit":
            return self.template(node)
        if kind == "numeric_lit":
            return literal(number(self.text(node)))
        if kind == "bool_lit":
            return literal(self.text(node) == "true")
        if kind == "null_lit":
            return literal(None)
        return self.template(node)

    def collection(self, node: Any) -> Ast:
        if node.type == "tuple":
            return ("tuple", [self.expression(child) for child in node.children
                              if child.type == "expression"])
        pairs: list[tuple[Ast, Ast]] = []
        for element in node.children:
            if element.type != "object_elem":
                continue
            key_node, value_node = element.children[0], element.children[2]
            pairs.append((self.object_key(key_node), self.expression(value_node)))
        return ("object", pairs)

    def object_key(self, node: Any) -> Ast:
        children = node.children
        if (len(children) == 1 and children[0].type == "variable_expr"):
            return literal(self.text(children[0]))
        return self.expression(node)

    def call(self, node: Any) -> Ast:
        children = node.children
        opening = next(child for child in children if child.type == "(")
        name = self.source[node.start_byte:opening.start_byte].decode("utf-8").strip()
        arguments: list[Ast] = []
        expand = False
        for child in children:
            if child.type == "function_arguments":
                for argument in child.children:
                    if argument.type == "expression":
                        arguments.append(self.expression(argument))
                    elif argument.type == "ellipsis":
                        expand = True
        return ("call", name, arguments, expand, self.line(node))

    def for_expression(self, node: Any) -> Ast:
        children = node.children
        intro = next(child for child in children if child.type == "for_intro")
        names = [self.text(child) for child in intro.children if child.type == "identifier"]
        key_name, value_name = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        collection = self.expression(
            next(child for child in intro.children if child.type == "expression"))
        expressions = [self.expression(child) for child in children if child.type == "expression"]
        condition_node = next((child for child in children if child.type == "for_cond"), None)
        condition = (self.expression(condition_node.children[1])
                     if condition_node is not None else None)
        if node.type == "for_tuple_expr":
            return ("for_tuple", key_name, value_name, collection, expressions[0], condition)
        grouped = any(child.type == "ellipsis" for child in children)
        return ("for_object", key_name, value_name, collection, expressions[0], expressions[1],
                grouped, condition)

    def operation(self, node: Any) -> Ast:
        children = _code(node.children)
        if node.type == "unary_operation":
            operand, _ = self.operand(children, 1)
            return ("unary", self.text(children[0]), operand)
        left, position = self.operand(children, 0)
        right, _ = self.operand(children, position + 1)
        return ("binary", self.text(children[position]), left, right)

    def operand(self, nodes: list[Any], start: int) -> tuple[Ast, int]:
        """The operand starting at nodes[start]: a term or a parenthesised expression, then
        any attribute, index and splat steps. Returns it and the position after it."""
        if nodes[start].type == "(":
            value, position = self.expression(nodes[start + 1]), start + 3
        else:
            value, position = self.term(nodes[start]), start + 1
        steps = []
        while position < len(nodes) and nodes[position].type in {"get_attr", "index", "splat"}:
            steps.append(nodes[position])
            position += 1
        return (self.traversals(value, steps) if steps else value), position

    # Templates

    def template(self, node: Any) -> Ast:
        plain = self.plain_quoted_text(node)
        if plain is not None:
            return literal(plain)
        return _template_ast(self.template_parts(node))

    def plain_quoted_text(self, node: Any) -> str | None:
        """The text of a quoted string without interpolations or directives (most strings),
        read without building template parts; None for any other template."""
        if self.cut:
            return None
        if node.type == "string_lit":  # `"`, its text, `"`: never a hole
            start, end = node.start_byte + 1, node.end_byte - 1
        else:
            children = node.children
            if len(children) > 3 or children[0].type != "quoted_template_start" \
                    or (len(children) == 3 and children[1].type != "template_literal"):
                return None
            start, end = children[0].end_byte, children[-1].start_byte
        try:
            return _decode_quoted(self.source[start:end].decode("utf-8"))
        except InputError as error:
            raise InputError(error.message, error.line or self.line(node)) from None

    def template_parts(self, node: Any) -> list[Any]:
        children = node.children
        if node.type == "heredoc_template":
            flush = self.text(children[0]) == "<<-"
            opening, closing = children[1], children[-1]
            start = self.source.index(b"\n", opening.end_byte) + 1
            end = self.source.rindex(b"\n", 0, closing.start_byte) + 1
            if flush:
                self.cut = self.indentation(start, end)
            try:
                parts = self.parts(children[2:-1], start, end, _decode_heredoc, False, False)
            finally:
                self.cut = []
        else:
            start, end = children[0].end_byte, children[-1].start_byte
            try:
                parts = self.parts(children[1:-1], start, end, _decode_quoted, False, False)
            except InputError as error:
                raise InputError(error.message, error.line or self.line(node)) from None
        return parts

    def indentation(self, start: int, end: int) -> list[tuple[int, int]]:
        lines: list[tuple[int, int]] = []
        position = start
        while position < end:
            line_end = self.source.find(b"\n", position, end)
            line_end = end if line_end < 0 else line_end
            content = self.source[position:line_end]
            if content.strip():
                lines.append((position, len(content) - len(content.lstrip(b" \t"))))
            position = line_end + 1
        if not lines:
            return []
        indent = min(width for _, width in lines)
        cuts = []
        position = start
        while position < end:
            line_end = self.source.find(b"\n", position, end)
            line_end = end if line_end < 0 else line_end
            content = self.source[position:min(position + indent, line_end)]
            cuts.append((position, position + len(content) - len(content.lstrip(b" \t"))))
            position = line_end + 1
        return cuts

    def literal_text(self, start: int, end: int, decode: Callable[[str], str]) -> str:
        if not self.cut:
            return decode(self.source[start:end].decode("utf-8"))
        pieces = []
        position = start
        for cut_start, cut_end in self.cut:
            if cut_end <= position or cut_start >= end:
                continue
            pieces.append(self.source[position:max(cut_start, position)])
            position = max(position, cut_end)
        pieces.append(self.source[position:end])
        return decode(b"".join(pieces).decode("utf-8"))

    def parts(self, nodes: list[Any], start: int, end: int, decode: Any, strip_first: bool,
              strip_last: bool) -> list[Any]:
        """Literal text and holes between start and end; holes are the interpolation and
        directive nodes among `nodes`."""
        holes = [node for node in nodes if node.type in TEMPLATE_HOLES]
        parts: list[Any] = []
        position = start
        strip_next = strip_first
        for hole in holes:
            if hole.type == "template_interpolation":
                strip_before, strip_after = _strips(hole)
                inside = next((child for child in hole.children if child.type == "expression"),
                              None)
                if inside is None:
                    raise InputError("an interpolation needs an expression", self.line(hole))
                compiled: Any = ("interp", self.expression(inside))
            else:
                strip_before, strip_after, compiled = self.directive(hole.children[0], decode)
            text = self.literal_text(position, hole.start_byte, decode)
            parts.append(_stripped(text, strip_next, strip_before))
            parts.append(compiled)
            position = hole.end_byte
            strip_next = strip_after
        parts.append(_stripped(self.literal_text(position, end, decode), strip_next, strip_last))
        return [part for part in parts if part != ""]

    def directive(self, node: Any, decode: Any) -> tuple[bool, bool, Any]:
        children = node.children
        opening, closing = children[0], children[-1]
        strip_before, intro_after = _strips(opening)
        closing_before, strip_after = _strips(closing)
        if node.type == "template_for":
            names = [self.text(child) for child in opening.children
                     if child.type == "identifier"]
            key_name, value_name = (names[0], names[1]) if len(names) == 2 else (None, names[0])
            collection = self.expression(
                next(child for child in opening.children if child.type == "expression"))
            body = self.parts(children[1:-1], opening.end_byte, closing.start_byte, decode,
                              intro_after, closing_before)
            return strip_before, strip_after, ("tfor", key_name, value_name, collection, body)
        condition = self.expression(
            next(child for child in opening.children if child.type == "expression"))
        middle = next((child for child in children if child.type == "template_else_intro"),
                      None)
        if middle is None:
            then = self.parts(children[1:-1], opening.end_byte, closing.start_byte, decode,
                              intro_after, closing_before)
            return strip_before, strip_after, ("tif", condition, then, [])
        else_before, else_after = _strips(middle)
        split = children.index(middle)
        then = self.parts(children[1:split], opening.end_byte, middle.start_byte, decode,
                          intro_after, else_before)
        otherwise = self.parts(children[split + 1:-1], middle.end_byte, closing.start_byte,
                               decode, else_after, closing_before)
        return strip_before, strip_after, ("tif", condition, then, otherwise)


def _code(children: list[Any]) -> list[Any]:
    return [child for child in children if child.type != "comment"]


def _stripped(text: str, left: bool, right: bool) -> str:
    if left:
        text = text.lstrip()
    if right:
        text = text.rstrip()
    return text


def _template_ast(parts: list[Any]) -> Ast:
    if not parts:
        return literal("")
    if all(isinstance(part, str) for part in parts):
        return literal("".join(parts))
    if len(parts) == 1 and parts[0][0] == "interp":
        # "${x}" alone is x itself, not its string form (Terraform's template unwrapping).
        alone: Ast = parts[0][1]
        return alone
    return ("template", parts)
