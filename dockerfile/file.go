package dockerfile

// InstructionAt returns the instruction whose line range holds line, or nil.
func (f *File) InstructionAt(line int) *Instruction {
	for _, in := range f.All() {
		if line >= in.StartLine && line <= in.EndLine {
			return in
		}
	}
	return nil
}

// All returns every instruction in source order: meta ARGs, then each
// stage's FROM and its instructions.
func (f *File) All() []*Instruction {
	var out []*Instruction
	for _, s := range f.Stages {
		out = append(out, s.From)
		out = append(out, s.Instructions...)
	}
	return out
}
