# leakscope-completion.bash: bash completion for leakscope, installed by
# `make install` as share/bash-completion/completions/leakscope.  The
# commands and each command's options come from the command itself
# (`leakscope --help`, `leakscope help CMD`), so they are always the ones
# it reads; operands complete as files (run's program: commands).
_leakscope() {
  local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]:-} i
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "$(leakscope --help 2>/dev/null | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p') help --help --version" -- "$cur"))
    return
  fi
  if [ "$cmd" = help ]; then
    [ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W "$(leakscope --help 2>/dev/null | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p')" -- "$cur"))
    return
  fi
  if [ "$cmd" = run ]; then # after -- (or the program) the program's own words
    for ((i = 2; i < COMP_CWORD; i++)); do
      if [ "${COMP_WORDS[i]}" = -- ]; then
        [ $((i + 1)) -eq "$COMP_CWORD" ] && COMPREPLY=($(compgen -c -- "$cur")) || COMPREPLY=($(compgen -f -- "$cur"))
        return
      fi
    done
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(leakscope help "$cmd" 2>/dev/null | sed -n 's/^  \(-[^ ,=[]*\).*/\1/p') --help" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _leakscope leakscope
