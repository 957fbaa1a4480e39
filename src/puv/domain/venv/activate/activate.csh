# Activation script for csh and tcsh, written by puv.
# Use it with `source bin/activate.csh`.

alias deactivate 'test $?_OLD_VIRTUAL_PATH != 0 && setenv PATH "$_OLD_VIRTUAL_PATH:q" && unset _OLD_VIRTUAL_PATH; rehash; test $?_OLD_VIRTUAL_PROMPT != 0 && set prompt="$_OLD_VIRTUAL_PROMPT:q" && unset _OLD_VIRTUAL_PROMPT; unsetenv VIRTUAL_ENV; unsetenv VIRTUAL_ENV_PROMPT; test "\!:*" != "nondestructive" && unalias deactivate'

# Leave any environment that is active now.
deactivate nondestructive

__PUV_VIRTUAL_ENV__

set _OLD_VIRTUAL_PATH="$PATH:q"
setenv PATH "$VIRTUAL_ENV:q/__PUV_BIN_NAME__:$PATH:q"

setenv VIRTUAL_ENV_PROMPT __PUV_PROMPT__

if ( $?prompt ) then
    if ( ! $?VIRTUAL_ENV_DISABLE_PROMPT ) then
        set _OLD_VIRTUAL_PROMPT="$prompt:q"
        set prompt = "($VIRTUAL_ENV_PROMPT:q) $prompt:q"
    endif
endif

rehash
