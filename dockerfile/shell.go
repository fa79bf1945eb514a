package dockerfile

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"mvdan.cc/sh/v3/syntax"
)

// maxNesting bounds how deep strings passed to `sh -c` / `su -c` are parsed.
const maxNesting = 3

// Commands returns the simple commands of a RUN (or CMD / ENTRYPOINT)
// instruction, in source order, with wrappers stripped. Shell-form bodies
// and heredoc scripts are parsed with mvdan.cc/sh so that every position is
// the exact Dockerfile line and column. A body that is not valid shell is a
// *SyntaxError at its Dockerfile position. Instructions run by a shell that
// is not sh-like (SHELL ["pwsh", ...], cmd, powershell) and other
// instructions have no commands. The result is computed once and cached.
//
// Shell-form bodies are parsed as Bash for every sh-like shell: Bash accepts
// a superset of POSIX sh, so a reported error is an error in every shell.
func (in *Instruction) Commands() ([]Command, error) {
	in.cmdsOnce.Do(in.parseCommands)
	return in.cmds, in.cmdsErr
}

// Assignments returns the shell variables a RUN's script sets, in script
// order (nil for an exec-form RUN or one that does not parse).
func (in *Instruction) Assignments() []Assignment {
	in.cmdsOnce.Do(in.parseCommands)
	return in.assigns
}

// parseCommands parses the instruction's script once, for Commands and
// Assignments.
func (in *Instruction) parseCommands() {
	c := &collector{in: in}
	in.cmdsErr = c.commands()
	in.cmds, in.assigns = c.out, c.assigns
	if in.cmdsErr != nil {
		in.cmds, in.assigns = nil, nil
	}
}

func (c *collector) commands() error {
	in := c.in
	if in.file == nil || (in.Cmd != "run" && in.Cmd != "cmd" && in.Cmd != "entrypoint") {
		return nil
	}
	if in.JSON {
		ws := make([]word, len(in.Args))
		for i, a := range in.Args {
			ws[i] = word{val: a, lit: true, span: Span{Line: in.StartLine, EndLine: in.StartLine}, script: a}
		}
		c.fromWords(ws, nil, true, "", false, 0)
		return nil
	}
	variant, ok := shellVariant(in.Shell)
	if !ok {
		return nil
	}
	if len(in.Heredocs) > 0 && len(in.Args) == 1 && parser.MustParseHeredoc(in.Args[0]) != nil {
		// `RUN <<EOF`: BuildKit runs the first heredoc's body as the script
		// (directly when it starts with a shebang).
		h := in.Heredocs[0]
		if strings.HasPrefix(h.Content, "#!") {
			first, _, _ := strings.Cut(h.Content, "\n")
			variant, ok = shellVariant(strings.Fields(strings.TrimPrefix(first, "#!")))
			if !ok {
				return nil
			}
		}
		return c.parseScript(h.Content, h.StartLine, variant)
	}
	return c.parseScript(in.script(), in.StartLine, variant)
}

// shellVariant picks the mvdan.cc/sh dialect for a shell command line such
// as ["/bin/bash", "-o", "pipefail", "-c"] or a shebang's words; ok is false
// for shells that are not sh-like.
func shellVariant(sh []string) (syntax.LangVariant, bool) {
	if len(sh) == 0 {
		return syntax.LangBash, true
	}
	// Wrappers that run the shell after them (`SHELL ["/usr/bin/fakeroot",
	// "--", "/bin/sh", "-c"]`, `env -i sh -c`), with their options.
	i := 0
	for i < len(sh)-1 && slices.Contains(shellWrappers, path.Base(sh[i])) {
		i++
		for i < len(sh)-1 && (strings.HasPrefix(sh[i], "-") || strings.Contains(sh[i], "=")) {
			i++
		}
	}
	name := path.Base(sh[i])
	switch name {
	case "sh", "bash", "dash", "ash", "zsh", "ksh", "busybox":
		return syntax.LangBash, true
	case "mksh":
		return syntax.LangMirBSDKorn, true
	}
	return 0, false
}

// shellWrappers are programs a SHELL instruction may put before the
// shell they run.
var shellWrappers = []string{"env", "fakeroot", "nice", "ionice", "stdbuf", "setarch", "linux32", "linux64", "eatmydata"}

// continuation returns the index of the line-continuation character at the
// end of l, with the same rule as BuildKit: the escape character followed
// only by blanks, and not itself escaped.
func continuation(l string, esc rune) (int, bool) {
	t := strings.TrimRight(l, " \t")
	if t == "" || rune(t[len(t)-1]) != esc {
		return 0, false
	}
	if len(t) >= 2 && rune(t[len(t)-2]) == esc {
		return 0, false
	}
	return len(t) - 1, true
}

// Dropped reports whether line n of the instruction is one BuildKit drops:
// a comment or empty line inside its continued header (`RUN \` then
// `# apt-add-repository …`). Heredoc bodies are kept as they are.
func (in *Instruction) Dropped(n int) bool {
	if n <= in.StartLine || n > in.HeaderEndLine {
		return false
	}
	l := in.file.Line(n)
	return isCommentLine(l) || strings.TrimSpace(l) == ""
}

func isCommentLine(l string) bool {
	return strings.HasPrefix(strings.TrimLeftFunc(l, unicode.IsSpace), "#")
}

// script returns the instruction's source lines as a shell script whose
// lines and columns are the Dockerfile's: the keyword and flags are blanked
// out, comment and empty lines inside a continuation (which BuildKit drops)
// become a lone `\`, continuation characters become `\`, and heredoc
// bodies are kept as they are.
func (in *Instruction) script() string {
	f := in.file
	var b strings.Builder
	var header [][]byte
	for ln := in.StartLine; ln <= in.HeaderEndLine; ln++ {
		l := f.Line(ln)
		switch {
		case ln > in.StartLine && (isCommentLine(l) || strings.TrimSpace(l) == ""):
			l = `\`
		default:
			if i, ok := continuation(l, f.Escape); ok {
				if ln < in.HeaderEndLine {
					l = l[:i] + `\`
				} else {
					l = l[:i]
				}
			}
		}
		header = append(header, []byte(l))
	}
	blankPrefix(header)
	for _, l := range header {
		b.Write(l)
		b.WriteByte('\n')
	}
	for ln := in.HeaderEndLine + 1; ln <= in.EndLine; ln++ {
		b.WriteString(f.Line(ln))
		b.WriteByte('\n')
	}
	return b.String()
}

// blankPrefix overwrites the instruction keyword and its `--flag` words with
// spaces, across continuation lines (which end in `\` here).
func blankPrefix(lines [][]byte) {
	li, pos := 0, 0
	content := func(i int) []byte {
		l := lines[i]
		if len(l) > 0 && l[len(l)-1] == '\\' && i < len(lines)-1 {
			return l[:len(l)-1]
		}
		return l
	}
	skipSpace := func() bool {
		for li < len(lines) {
			c := content(li)
			for pos < len(c) && (c[pos] == ' ' || c[pos] == '\t') {
				pos++
			}
			if pos < len(c) {
				return true
			}
			li, pos = li+1, 0
		}
		return false
	}
	// blankWord blanks the word at li/pos and returns it.
	blankWord := func() string {
		c := content(li)
		start := pos
		var quote byte
		for pos < len(c) {
			ch := c[pos]
			if quote != 0 {
				if ch == quote {
					quote = 0
				}
			} else if ch == '\'' || ch == '"' {
				quote = ch
			} else if ch == ' ' || ch == '\t' {
				break
			}
			pos++
		}
		w := string(c[start:pos])
		for i := start; i < pos; i++ {
			c[i] = ' '
		}
		return w
	}
	if !skipSpace() {
		return
	}
	blankWord() // the keyword
	for skipSpace() {
		c := content(li)
		if pos+1 >= len(c) || c[pos] != '-' || c[pos+1] != '-' {
			return
		}
		if blankWord() == "--" {
			return
		}
	}
}

// word is one word of a command with its value and position.
type word struct {
	val  string
	lit  bool
	span Span
	// script is the text a shell would run if the word were passed to
	// `sh -c`: the value of a plain word, or the inside of a double-quoted
	// word with expansions (expansions left as written).
	script string
}

// collector gathers the commands of one instruction.
type collector struct {
	in      *Instruction
	out     []Command
	assigns []Assignment
	// inserted are, per line of the parsed text, the columns of blanks
	// added to it that the source does not have (nestedSubshells).
	inserted map[int][]int
}

// parseScript parses src, whose line 1 is Dockerfile line firstLine, and
// collects its commands.
func (c *collector) parseScript(src string, firstLine int, variant syntax.LangVariant) error {
	file, text, ins, err := parseShell(src, variant)
	if err != nil {
		return c.shellError(err, src, firstLine)
	}
	c.inserted = ins
	c.walkScript(file, text, firstLine)
	c.inserted = nil
	return nil
}

// parseShell parses src in the variant. Bash reads a `((` that is not
// arithmetic as two subshells (`((stack ghc -- --version) || true)`), and
// sh always does: when the parser took one for arithmetic and failed, src
// is parsed again so (text is then what was parsed and ins where it adds
// blanks). The error is the first parse's.
func parseShell(src string, variant syntax.LangVariant) (*syntax.File, string, map[int][]int, error) {
	file, err := syntax.NewParser(syntax.Variant(variant)).Parse(strings.NewReader(src), "")
	if err == nil {
		return file, src, nil, nil
	}
	if alt, ins, ok := nestedSubshells(src); ok {
		if f, err2 := syntax.NewParser(syntax.Variant(variant)).Parse(strings.NewReader(alt), ""); err2 == nil {
			return f, alt, ins, nil
		}
	}
	return nil, "", nil, err
}

// closesAtOnce reports whether the `((` at i closes with `))`, the two
// parentheses together: Bash then reads it as arithmetic, right or wrong.
func closesAtOnce(src string, i int) bool {
	depth := 0
	var quote byte
	for j := i + 1; j < len(src); j++ {
		switch ch := src[j]; {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '\\':
			j++
		case ch == '(':
			depth++
		case ch == ')':
			depth--
			if depth == 0 {
				return j+1 < len(src) && src[j+1] == ')'
			}
		}
	}
	return false
}

// nestedSubshells returns src with a blank between the two parentheses of
// every `((` that opens a command (not `$((`) and does not close with
// `))`, and per line the columns
// of the added blanks in the new text; false when there is none.
func nestedSubshells(src string) (string, map[int][]int, bool) {
	var b strings.Builder
	ins := map[int][]int{}
	line, col := 1, 1
	for i := 0; i < len(src); i++ {
		ch := src[i]
		b.WriteByte(ch)
		if ch == '(' && i+1 < len(src) && src[i+1] == '(' && (i == 0 || src[i-1] != '$' && src[i-1] != '(') && !closesAtOnce(src, i) {
			b.WriteByte(' ')
			col++
			ins[line] = append(ins[line], col)
		}
		if ch == '\n' {
			line, col = line+1, 1
			continue
		}
		col++
	}
	if len(ins) == 0 {
		return "", nil, false
	}
	return b.String(), ins, true
}

// ScriptCommands parses a shell script's text (a script a RUN runs, read
// from the build context) as Bash and returns its simple commands as
// Commands does a RUN's, Line being the script's own line; Conditional
// says which run only when a condition holds.
func ScriptCommands(src string) ([]Command, error) {
	file, text, ins, err := parseShell(src, syntax.LangBash)
	if err != nil {
		return nil, fmt.Errorf("shell: %w", err)
	}
	c := &collector{inserted: ins}
	c.walkScript(file, text, 1)
	return c.out, nil
}

// ScriptAssignments is ScriptCommands with the variables the script sets
// (as Assignments returns a RUN's), from one parse.
func ScriptAssignments(src string) ([]Command, []Assignment, error) {
	file, text, ins, err := parseShell(src, syntax.LangBash)
	if err != nil {
		return nil, nil, fmt.Errorf("shell: %w", err)
	}
	c := &collector{inserted: ins}
	c.walkScript(file, text, 1)
	return c.out, c.assigns, nil
}

// walkScript collects the commands and assignments of a parsed script
// whose line 1 is Dockerfile line firstLine.
func (c *collector) walkScript(file *syntax.File, src string, firstLine int) {
	pos := func(p syntax.Pos) (int, int) {
		if !p.IsValid() || p.Line() == 0 {
			return firstLine, 0
		}
		l, col := int(p.Line()), int(p.Col())
		for _, at := range c.inserted[l] {
			if at < int(p.Col()) {
				col--
			}
		}
		return firstLine + l - 1, col
	}
	spanOf := func(n syntax.Node) Span {
		l, col := pos(n.Pos())
		el, ec := pos(n.End())
		return Span{Line: l, Col: col, EndLine: el, EndCol: ec}
	}
	sc := &scriptWords{src: src}
	ignored := ignoredStmts(file)
	walkCalls(file, sc, spanOf, nil, func(ws []word, rds []Redirect, cond bool, st *syntax.Stmt) {
		n := len(c.out)
		c.fromWords(ws, rds, false, "", cond, 0)
		if ignored[st] && len(c.out) > n {
			c.out[n].FailureIgnored = true
		}
	})
	c.collectAssigns(file, sc, spanOf)
}

// declVariants are the builtins whose `NAME=value` arguments set shell
// variables.
var declVariants = []string{"export", "declare", "local", "readonly", "typeset"}

// collectAssigns records the variables the script sets (see Assignment).
func (c *collector) collectAssigns(file *syntax.File, sc *scriptWords, spanOf func(syntax.Node) Span) {
	cond := conditionalStmts(file)
	syntax.Walk(file, func(n syntax.Node) bool {
		st, ok := n.(*syntax.Stmt)
		if !ok {
			return true
		}
		var as []*syntax.Assign
		switch x := st.Cmd.(type) {
		case *syntax.CallExpr:
			if len(x.Args) == 0 {
				as = x.Assigns
			}
		case *syntax.DeclClause:
			if x.Variant != nil && slices.Contains(declVariants, x.Variant.Value) {
				as = x.Args
			}
		}
		for _, a := range as {
			if a.Name == nil || a.Value == nil || a.Naked || a.Append || a.Index != nil || a.Array != nil {
				continue
			}
			v, lit := sc.value(a.Value)
			c.assigns = append(c.assigns, Assignment{Name: a.Name.Value, Value: v, Literal: lit, Span: spanOf(a.Value), Conditional: cond[st]})
		}
		return true
	})
}

// walkCalls calls emit with the words and output redirects of every simple
// command in file, and whether it runs only under a condition (see
// Command.Conditional). spanOf places a node; skip, when set, may stop the
// walk from descending into a node (its second result is the walk's answer).
func walkCalls(file *syntax.File, sc *scriptWords, spanOf func(syntax.Node) Span, skip func(syntax.Node) (bool, bool), emit func([]word, []Redirect, bool, *syntax.Stmt)) {
	cond := conditionalStmts(file)
	syntax.Walk(file, func(n syntax.Node) bool {
		if skip != nil {
			if stop, descend := skip(n); stop {
				return descend
			}
		}
		st, ok := n.(*syntax.Stmt)
		if !ok {
			return true
		}
		call, ok := st.Cmd.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		ws := make([]word, len(call.Args))
		for i, a := range call.Args {
			v, lit := sc.value(a)
			ws[i] = word{val: v, lit: lit, span: spanOf(a), script: sc.script(a, v, lit)}
		}
		var rds []Redirect
		for _, r := range st.Redirs {
			switch r.Op {
			case syntax.RdrOut, syntax.AppOut, syntax.RdrClob, syntax.RdrAll, syntax.AppAll:
				if r.Word != nil {
					v, _ := sc.value(r.Word)
					rds = append(rds, Redirect{Op: r.Op.String(), Target: v, Span: spanOf(r.Word)})
				}
			}
		}
		emit(ws, rds, cond[st], st)
		return true
	})
}

// conditionalStmts returns the statements of file that run only under a
// condition (see Command.Conditional).
func conditionalStmts(file *syntax.File) map[*syntax.Stmt]bool {
	cond := map[*syntax.Stmt]bool{}
	mark := func(n syntax.Node) {
		if n == nil {
			return
		}
		syntax.Walk(n, func(m syntax.Node) bool {
			if st, ok := m.(*syntax.Stmt); ok {
				cond[st] = true
			}
			return true
		})
	}
	markAll := func(sts []*syntax.Stmt) {
		for _, st := range sts {
			mark(st)
		}
	}
	syntax.Walk(file, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.IfClause:
			markAll(x.Then)
			if x.Else != nil {
				// elif conditions too: they run only when the if's failed.
				mark(x.Else)
			}
		case *syntax.CaseClause:
			for _, it := range x.Items {
				markAll(it.Stmts)
			}
		case *syntax.WhileClause:
			markAll(x.Do)
		case *syntax.FuncDecl:
			mark(x.Body)
		case *syntax.BinaryCmd:
			switch {
			case x.Op == syntax.OrStmt:
				mark(x.Y)
			case x.Op == syntax.AndStmt && isTest(x.X):
				mark(x.Y)
			}
		}
		return true
	})
	return cond
}

// ignoredStmts returns the statements of file whose failure the script
// ignores (see Command.FailureIgnored): the last statement before `||
// true`, `|| :` or a fallback that only prints (`strip … || true`,
// `|| echo "Skipping"`; in `a && b || true`, b).
func ignoredStmts(file *syntax.File) map[*syntax.Stmt]bool {
	out := map[*syntax.Stmt]bool{}
	syntax.Walk(file, func(n syntax.Node) bool {
		x, ok := n.(*syntax.BinaryCmd)
		if !ok || x.Op != syntax.OrStmt || !isNoop(x.Y) {
			return true
		}
		last := x.X
		for {
			b, ok := last.Cmd.(*syntax.BinaryCmd)
			if !ok {
				break
			}
			last = b.Y
		}
		out[last] = true
		return true
	})
	return out
}

// isNoop reports whether a statement is `true` or `:`, or only prints
// (`echo "Skipping …"`, `printf …`): the build goes on either way.
func isNoop(st *syntax.Stmt) bool {
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(call.Args) == 0 {
		return false
	}
	switch w := call.Args[0].Lit(); w {
	case "true", ":":
		return len(call.Args) == 1
	case "echo", "printf":
		return true
	}
	return false
}

// testCommands are programs whose success is a condition (a file exists, a
// program is installed, a variable holds a value, the OS is one) rather
// than a step of the build.
var testCommands = []string{"[", "test", "which", "type", "hash", "grep", "egrep", "fgrep", "getent", "id"}

// isTest reports whether a statement (or, for `a && b`, `a || b` and
// pipelines, any statement it is made of) is a test.
func isTest(st *syntax.Stmt) bool {
	if st == nil {
		return false
	}
	if st.Negated {
		return true
	}
	switch x := st.Cmd.(type) {
	case *syntax.TestClause, *syntax.ArithmCmd:
		return true
	case *syntax.BinaryCmd:
		return isTest(x.X) || isTest(x.Y)
	case *syntax.CallExpr:
		if len(x.Args) == 0 {
			return false
		}
		name := x.Args[0].Lit()
		if name == "command" && len(x.Args) > 1 {
			a := x.Args[1].Lit()
			return a == "-v" || a == "-V"
		}
		return slices.Contains(testCommands, path.Base(name))
	}
	return false
}

// parseNested parses a string run by `sh -c` or `su -c`; its commands take
// the position of the string's word. Errors are ignored: the string is data
// to the Dockerfile and may use another shell's syntax.
func (c *collector) parseNested(w word, user string, cond bool, depth int) {
	if depth >= maxNesting || w.script == "" {
		return
	}
	file, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(w.script), "")
	if err != nil {
		return
	}
	sc := &scriptWords{src: w.script}
	at := func(syntax.Node) Span { return w.span }
	skip := func(n syntax.Node) (bool, bool) {
		switch n.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst:
			// In a double-quoted word these were walked with the outer script.
			return true, w.lit
		}
		return false, false
	}
	walkCalls(file, sc, at, skip, func(ws []word, rds []Redirect, inner bool, _ *syntax.Stmt) {
		c.fromWords(ws, rds, true, user, cond || inner, depth+1)
	})
}

// shellError maps a mvdan.cc/sh error onto the Dockerfile.
func (c *collector) shellError(err error, src string, firstLine int) error {
	if c.in == nil {
		return fmt.Errorf("shell: %w", err) // a script file's (ScriptCommands)
	}
	se := &SyntaxError{Path: c.in.file.Path, Line: c.in.StartLine}
	var pe syntax.ParseError
	var le syntax.LangError
	switch {
	case errors.As(err, &pe):
		se.Msg = "shell: " + pe.Text
		if pe.Pos.Line() > 0 {
			se.Line, se.Col = firstLine+int(pe.Pos.Line())-1, int(pe.Pos.Col())
		}
		if l, col, op, ok := doubledOperator(src, pe); ok {
			se.Line, se.Col = firstLine+l-1, col
			se.Msg = "shell: " + op + " right after " + strings.Fields(pe.Text)[0] + ": a command must come between them"
		}
	case errors.As(err, &le):
		se.Msg, se.Dialect = "shell: "+le.Error(), true
		if le.Pos.Line() > 0 {
			se.Line, se.Col = firstLine+int(le.Pos.Line())-1, int(le.Pos.Col())
		}
	default:
		se.Msg = "shell: " + err.Error()
	}
	se.Line = min(max(se.Line, c.in.StartLine), c.in.EndLine)
	se.Msg = cleanMsg(se.Msg)
	return se
}

// doubledOperator finds, for an error such as "`&&` must be followed by a
// statement", the operator that follows the first one with nothing in
// between (typically a `&&` repeated across a line continuation), and
// returns its 1-based line and column in src.
func doubledOperator(src string, pe syntax.ParseError) (int, int, string, bool) {
	if !strings.HasSuffix(pe.Text, "must be followed by a statement") {
		return 0, 0, "", false
	}
	op := strings.Trim(strings.Fields(pe.Text)[0], "`")
	i := int(pe.Pos.Offset())
	if i < 0 || i+len(op) > len(src) || src[i:i+len(op)] != op {
		return 0, 0, "", false
	}
	i += len(op)
	for i < len(src) {
		switch {
		case src[i] == ' ' || src[i] == '\t':
			i++
		case strings.HasPrefix(src[i:], "\\\n"):
			i += 2
		default:
			for _, next := range []string{"&&", "||", ";;", "|", ";", "&", ")"} {
				if strings.HasPrefix(src[i:], next) {
					line := 1 + strings.Count(src[:i], "\n")
					col := i - strings.LastIndex(src[:i], "\n")
					return line, col, "`" + next + "`", true
				}
			}
			return 0, 0, "", false
		}
	}
	return 0, 0, "", false
}

// scriptWords turns words of a parsed script into values.
type scriptWords struct{ src string }

// value returns a word's text with quotes and escapes removed when it is
// plain text, else its source form.
func (s *scriptWords) value(w *syntax.Word) (string, bool) {
	var b strings.Builder
	for _, part := range w.Parts {
		switch x := part.(type) {
		case *syntax.Lit:
			b.WriteString(unescape(x.Value, false))
		case *syntax.SglQuoted:
			if x.Dollar {
				return s.source(w), false
			}
			b.WriteString(x.Value)
		case *syntax.DblQuoted:
			for _, qp := range x.Parts {
				l, ok := qp.(*syntax.Lit)
				if !ok {
					return s.source(w), false
				}
				b.WriteString(unescape(l.Value, true))
			}
		default:
			return s.source(w), false
		}
	}
	return b.String(), true
}

// script returns what `sh -c WORD` would run: the plain value, or for a
// single double-quoted word its inside with escapes removed.
func (s *scriptWords) script(w *syntax.Word, val string, lit bool) string {
	if lit {
		return val
	}
	if len(w.Parts) != 1 {
		return ""
	}
	dq, ok := w.Parts[0].(*syntax.DblQuoted)
	if !ok || dq.Dollar {
		return ""
	}
	a, b := int(dq.Left.Offset())+1, int(dq.Right.Offset())
	if a < 0 || b > len(s.src) || a > b {
		return ""
	}
	return unescape(s.src[a:b], true)
}

func (s *scriptWords) source(w *syntax.Word) string {
	a, b := int(w.Pos().Offset()), int(w.End().Offset())
	if a < 0 || b > len(s.src) || a > b {
		return ""
	}
	return s.src[a:b]
}

// unescape removes shell backslash escapes: every one outside quotes, only
// those before $ ` " \ and newline inside double quotes.
func unescape(s string, dquoted bool) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		n := s[i+1]
		if dquoted && !strings.ContainsRune("$`\"\\\n", rune(n)) {
			b.WriteByte(s[i])
			continue
		}
		i++
		if n != '\n' {
			b.WriteByte(n)
		}
	}
	return b.String()
}

// fromWords strips wrappers from a command's words, records the command and
// parses strings handed to a nested shell.
func (c *collector) fromWords(ws []word, rds []Redirect, nested bool, user string, cond bool, depth int) {
	if len(ws) == 0 {
		return
	}
	full := Span{Line: ws[0].span.Line, Col: ws[0].span.Col, EndLine: ws[len(ws)-1].span.EndLine, EndCol: ws[len(ws)-1].span.EndCol}
	rest, wrappers, u, inner := stripWrappers(ws)
	innerUser := user
	switch {
	case inner != nil:
		innerUser = u
	case u != "":
		user = u
	}
	if len(rest) == 0 {
		rest, wrappers = ws, nil
	}
	cmd := Command{
		Name:        rest[0].val,
		Line:        rest[0].span.Line,
		Col:         rest[0].span.Col,
		Span:        full,
		Wrappers:    wrappers,
		User:        user,
		Redirects:   rds,
		Nested:      nested,
		Conditional: cond,
		Script:      scriptRun(rest, inner != nil),
	}
	for _, w := range rest[1:] {
		cmd.Args = append(cmd.Args, w.val)
		cmd.Literal = append(cmd.Literal, w.lit)
		cmd.ArgSpans = append(cmd.ArgSpans, w.span)
	}
	c.out = append(c.out, cmd)
	if inner != nil {
		c.parseNested(*inner, innerUser, cond, depth)
		return
	}
	if script, ok := shellScriptArg(rest); ok {
		c.parseNested(script, user, cond, depth)
	}
}

// isShell reports whether a program name is a POSIX-like shell.
func isShell(name string) bool {
	switch path.Base(name) {
	case "sh", "bash", "dash", "ash", "zsh", "ksh", "mksh":
		return true
	}
	return false
}

// scriptRun returns what Command.Script says for a command's words (wrappers
// stripped): the script a shell runs that the Dockerfile does not show.
// suScript is set for `su USER -c STRING`, whose string is parsed instead.
func scriptRun(ws []word, suScript bool) string {
	if suScript || len(ws) == 0 {
		return ""
	}
	if !ws[0].lit {
		// A program named through a variable (`$INST_SCRIPTS/tools.sh`,
		// `${TOOLS}/setup`): a file of the image the Dockerfile does not
		// show.
		if isScriptFile(ws[0].val) || strings.Contains(ws[0].val, "/") && !strings.HasPrefix(ws[0].val, "$(") && !strings.HasPrefix(ws[0].val, "`") {
			return ws[0].val
		}
		return ""
	}
	name := ws[0].val
	switch {
	case name == "." || name == "source":
		// Sourcing os-release or an rc file sets variables; a .sh file runs.
		if len(ws) > 1 && isScriptFile(ws[1].val) {
			return ws[1].val
		}
		return ""
	case isScriptFile(name) || strings.HasPrefix(name, "./") || strings.HasPrefix(name, "../"):
		return name
	case !isShell(name):
		return ""
	}
	if w, ok := shellScriptArg(ws); ok {
		// `bash -c "$(curl -fsSL …)"`: the script is downloaded at build time.
		s := strings.TrimSpace(w.script)
		if s == "" || strings.HasPrefix(s, "$(") || strings.HasPrefix(s, "`") {
			return w.val
		}
		return ""
	}
	for i := 1; i < len(ws); i++ {
		v := ws[i].val
		switch {
		case v == "-o" || v == "+o" || v == "-O" || v == "+O":
			i++
		case v == "--version" || v == "--help":
			return ""
		case v == "-" || v == "--" || v == "-s" || strings.HasPrefix(v, "-") && strings.Contains(v, "s") && !strings.HasPrefix(v, "--"):
			return "-"
		case strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+"):
		default:
			return v
		}
	}
	return "-"
}

// isScriptFile reports whether a word names a shell script file.
func isScriptFile(w string) bool {
	w = strings.Trim(w, `"'`)
	return strings.HasSuffix(w, ".sh") || strings.HasSuffix(w, ".bash")
}

// shellScriptArg finds the string of `sh -c STRING` (also `bash -ec`,
// `bash -lc`, `bash -o pipefail -c`, ...).
func shellScriptArg(ws []word) (word, bool) {
	if !ws[0].lit {
		return word{}, false
	}
	switch path.Base(ws[0].val) {
	case "sh", "bash", "dash", "ash", "zsh", "ksh", "mksh":
	default:
		return word{}, false
	}
	hasC := false
	for i := 1; i < len(ws); i++ {
		w := ws[i]
		switch {
		case !w.lit:
			return w, hasC
		case w.val == "-o" || w.val == "+o" || w.val == "-O" || w.val == "+O":
			i++ // the option's name
		case w.val == "--":
		case strings.HasPrefix(w.val, "-") && !strings.HasPrefix(w.val, "--") && strings.Contains(w.val, "c"):
			hasC = true
		case strings.HasPrefix(w.val, "-") || strings.HasPrefix(w.val, "+"):
		default:
			return w, hasC
		}
	}
	return word{}, false
}

// wrapperFlags lists, per wrapper, the options that take a value as the next
// word.
var wrapperFlags = map[string][]string{
	"sudo":    {"-u", "--user", "-g", "--group", "-h", "--host", "-p", "--prompt", "-C", "--close-from", "-D", "--chdir", "-r", "--role", "-t", "--type", "-T", "--command-timeout", "-U", "--other-user", "-R", "--chroot"},
	"doas":    {"-u", "-C"},
	"env":     {"-u", "--unset", "-C", "--chdir"},
	"exec":    {"-a"},
	"nice":    {"-n", "--adjustment"},
	"ionice":  {"-c", "--class", "-n", "--classdata", "-p", "--pid"},
	"timeout": {"-s", "--signal", "-k", "--kill-after"},
	"stdbuf":  {"-i", "--input", "-o", "--output", "-e", "--error"},
	"xargs":   {"-I", "-L", "-n", "--max-args", "-P", "--max-procs", "-s", "--max-chars", "-d", "--delimiter", "-E", "-a", "--arg-file"},
	"runuser": {"-u", "--user", "-g", "--group", "-G", "--supp-group", "-s", "--shell", "-w", "--whitelist-environment"},
	"time":    {"-f", "--format", "-o", "--output"},
	"nohup":   {},
	"command": {},
	"builtin": {},
	"chrt":    {},
}

func isAssignment(s string) bool {
	k, _, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return false
	}
	for i, r := range k {
		if r != '_' && !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// stripWrappers removes wrapper programs (sudo, env, command, exec, nohup,
// nice, timeout, xargs, runuser, gosu, ...) from the front of a command. It
// returns the real command's words, the wrappers, the user a wrapper runs
// the command as, and for `su USER -c STRING` the string to parse.
func stripWrappers(ws []word) (rest []word, wrappers []string, user string, inner *word) {
	rest = ws
	for len(rest) > 0 && rest[0].lit {
		name := path.Base(rest[0].val)
		switch name {
		case "su":
			u, script := suArgs(rest[1:])
			if script != nil {
				return rest, wrappers, u, script
			}
			return rest, wrappers, user, nil
		case "runuser":
			// `runuser [-l] USER -c STRING` is su's form; `runuser -u USER
			// [--] CMD` is a wrapper, read below.
			if !slices.ContainsFunc(rest[1:], func(w word) bool { return w.val == "-u" || w.val == "--user" || strings.HasPrefix(w.val, "--user=") }) {
				u, script := suArgs(rest[1:])
				if script != nil {
					return rest, wrappers, u, script
				}
			}
		case "gosu", "su-exec":
			if len(rest) < 3 {
				return rest, wrappers, user, nil
			}
			wrappers = append(wrappers, name)
			user, rest = unquote(rest[1]), rest[2:]
			continue
		case "command":
			if len(rest) > 1 && (rest[1].val == "-v" || rest[1].val == "-V") {
				return rest, wrappers, user, nil
			}
		}
		valued, ok := wrapperFlags[name]
		if !ok {
			return rest, wrappers, user, nil
		}
		i := 1
		for i < len(rest) && rest[i].lit {
			v := rest[i].val
			if v == "--" {
				i++
				break
			}
			if !strings.HasPrefix(v, "-") || v == "-" && name != "env" {
				break
			}
			if name == "nice" && len(v) > 1 && v[1] >= '0' && v[1] <= '9' {
				i++
				continue
			}
			flag, val, hasVal := strings.Cut(v, "=")
			takes := false
			for _, fl := range valued {
				if flag == fl {
					takes = true
				}
			}
			switches := name == "sudo" || name == "runuser" || name == "doas"
			switch {
			case switches && (flag == "-u" || flag == "--user"):
				switch {
				case hasVal:
					user = val
				case i+1 < len(rest):
					user = unquote(rest[i+1])
				}
			case switches && strings.HasPrefix(v, "-u") && len(v) > 2 && !strings.HasPrefix(v, "--"):
				user = v[2:]
			case switches && len(v) > 2 && !strings.HasPrefix(v, "--") && strings.HasSuffix(v, "u") && i+1 < len(rest):
				// A cluster ending in -u: `sudo -Hu NAME`, `sudo -iu NAME`.
				user = unquote(rest[i+1])
				takes = true
			}
			if takes && !hasVal {
				i += 2
				continue
			}
			i++
		}
		if name == "env" || name == "sudo" {
			for i < len(rest) && rest[i].lit && isAssignment(rest[i].val) {
				i++
			}
		}
		if name == "timeout" && i < len(rest) {
			i++ // the duration
		}
		if i >= len(rest) {
			return rest, wrappers, user, nil
		}
		wrappers = append(wrappers, name)
		rest = rest[i:]
	}
	return rest, wrappers, user, nil
}

// suArgs reads `su [options] [-] [USER] -c STRING`.
func suArgs(ws []word) (string, *word) {
	var user string
	var script *word
	for i := 0; i < len(ws); i++ {
		v := ws[i].val
		switch {
		case v == "-c" || v == "--command":
			if i+1 < len(ws) {
				script = &ws[i+1]
				i++
			}
		case strings.HasPrefix(v, "--command="):
			w := ws[i]
			w.val = strings.TrimPrefix(v, "--command=")
			w.script = w.val
			script = &w
		case v == "-s" || v == "--shell" || v == "-g" || v == "--group" || v == "-G":
			i++
		case strings.HasPrefix(v, "-"):
		default:
			if user == "" {
				user = unquote(ws[i])
			}
		}
	}
	if user == "" {
		user = "root"
	}
	return user, script
}

// unquote returns a word's value without the double quotes around a
// variable reference (`"$USERNAME"` gives `$USERNAME`), so that it can be
// expanded later.
func unquote(w word) string {
	if w.lit {
		return w.val
	}
	if v := w.val; len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && !strings.ContainsAny(v[1:len(v)-1], `"\`+"`") {
		return v[1 : len(v)-1]
	}
	return w.val
}
