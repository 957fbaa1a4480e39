# Activation script for PowerShell, written by puv.
# Use it with `. bin/activate.ps1` (or `bin\activate.ps1`); leave with `deactivate`.

function global:deactivate([switch] $NonDestructive) {
    if (Test-Path variable:_OLD_VIRTUAL_PATH) {
        $env:PATH = $variable:_OLD_VIRTUAL_PATH
        Remove-Variable "_OLD_VIRTUAL_PATH" -Scope global
    }
    if (Test-Path variable:_OLD_VIRTUAL_PYTHONHOME) {
        $env:PYTHONHOME = $variable:_OLD_VIRTUAL_PYTHONHOME
        Remove-Variable "_OLD_VIRTUAL_PYTHONHOME" -Scope global
    }
    if (Test-Path function:_puv_old_prompt) {
        $function:prompt = $function:_puv_old_prompt
        Remove-Item function:\_puv_old_prompt
    }
    if (Test-Path env:VIRTUAL_ENV) { Remove-Item env:VIRTUAL_ENV }
    if (Test-Path env:VIRTUAL_ENV_PROMPT) { Remove-Item env:VIRTUAL_ENV_PROMPT }
    if (!$NonDestructive) { Remove-Item function:deactivate }
}

deactivate -NonDestructive

$env:VIRTUAL_ENV = __PUV_VIRTUAL_ENV__
$env:VIRTUAL_ENV_PROMPT = __PUV_PROMPT__

New-Variable -Scope global -Name _OLD_VIRTUAL_PATH -Value $env:PATH
$env:PATH = (Join-Path $env:VIRTUAL_ENV '__PUV_BIN_NAME__') + [System.IO.Path]::PathSeparator + $env:PATH

if (Test-Path env:PYTHONHOME) {
    New-Variable -Scope global -Name _OLD_VIRTUAL_PYTHONHOME -Value $env:PYTHONHOME
    Remove-Item env:PYTHONHOME
}

if (-not $env:VIRTUAL_ENV_DISABLE_PROMPT) {
    function global:_puv_old_prompt { "" }
    $function:_puv_old_prompt = $function:prompt
    function global:prompt {
        Write-Host -NoNewline "($env:VIRTUAL_ENV_PROMPT) "
        _puv_old_prompt
    }
}
