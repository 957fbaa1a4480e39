# Activation script for fish, written by puv.
# Use it with `source bin/activate.fish`.

function deactivate -d "Leave the virtual environment"
    if set -q _OLD_VIRTUAL_PATH
        set -gx PATH $_OLD_VIRTUAL_PATH
        set -e _OLD_VIRTUAL_PATH
    end
    if set -q _OLD_VIRTUAL_PYTHONHOME
        set -gx PYTHONHOME $_OLD_VIRTUAL_PYTHONHOME
        set -e _OLD_VIRTUAL_PYTHONHOME
    end
    if set -q _OLD_FISH_PROMPT_OVERRIDE
        set -e _OLD_FISH_PROMPT_OVERRIDE
        if functions -q _puv_old_fish_prompt
            functions -e fish_prompt
            functions -c _puv_old_fish_prompt fish_prompt
            functions -e _puv_old_fish_prompt
        end
    end
    set -e VIRTUAL_ENV
    set -e VIRTUAL_ENV_PROMPT
    if test "$argv[1]" != nondestructive
        functions -e deactivate
    end
end

deactivate nondestructive

__PUV_VIRTUAL_ENV__
set -gx _OLD_VIRTUAL_PATH $PATH
set -gx PATH "$VIRTUAL_ENV/__PUV_BIN_NAME__" $PATH
set -gx VIRTUAL_ENV_PROMPT __PUV_PROMPT__

if set -q PYTHONHOME
    set -gx _OLD_VIRTUAL_PYTHONHOME $PYTHONHOME
    set -e PYTHONHOME
end

if test -z "$VIRTUAL_ENV_DISABLE_PROMPT"
    functions -c fish_prompt _puv_old_fish_prompt
    function fish_prompt
        set -l last_status $status
        printf "(%s) " $VIRTUAL_ENV_PROMPT
        # Give the saved prompt the exit status it would have seen.
        echo "exit $last_status" | source
        _puv_old_fish_prompt
    end
    set -gx _OLD_FISH_PROMPT_OVERRIDE "$VIRTUAL_ENV"
end
