# Activation module for nushell, written by puv.
# Use it with `overlay use bin/activate.nu`; leave with `deactivate`.

export-env {
    let venv = __PUV_VIRTUAL_ENV__
    let bin = ($venv | path join '__PUV_BIN_NAME__')
    let path_name = if ('Path' in $env) { 'Path' } else { 'PATH' }
    let old_path = ($env | get $path_name)
    let new_path = if (($old_path | describe) == 'string') {
        $old_path | split row (char esep) | prepend $bin
    } else {
        $old_path | prepend $bin
    }
    let name = __PUV_PROMPT__
    load-env {
        VIRTUAL_ENV: $venv
        VIRTUAL_ENV_PROMPT: $name
        $path_name: $new_path
    }
    if not ('VIRTUAL_ENV_DISABLE_PROMPT' in $env) {
        let old_prompt = if ('PROMPT_COMMAND' in $env) { $env.PROMPT_COMMAND } else { '' }
        let new_prompt = if (($old_prompt | describe) == 'string') {
            $'(ansi green_bold)($name) (ansi reset)($old_prompt)'
        } else {
            {|| $'(ansi green_bold)($name) (ansi reset)(do $old_prompt)' }
        }
        load-env { PROMPT_COMMAND: $new_prompt }
    }
}

export alias pydoc = python -m pydoc
export alias deactivate = overlay hide activate
