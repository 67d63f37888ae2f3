#!/usr/bin/env bash
# Open a password-encrypted workbook (e.g. ECMA-376 Agile-encrypted .xlsx)
# headless in LibreOffice and export its first sheet as UTF-8 CSV.
#
# Usage: scripts/libreoffice-open.sh ENCRYPTED.xlsx PASSWORD_FILE OUT.csv
#
# The password is the first line of PASSWORD_FILE (trailing CR/LF stripped).
# It is never printed and never put on a command line: the LibreOffice Basic
# macro receives only the *path* of PASSWORD_FILE (via an environment
# variable) and reads the file itself as UTF-8.
#
# Exit codes:
#   0   success, OUT.csv written
#   1   wrong password / file cannot be opened / export failed / timeout
#   2   usage error
#   77  LibreOffice (soffice/libreoffice) not installed -> callers may skip
#
# Requires only LibreOffice Calc (e.g. libreoffice-calc-nogui) and coreutils;
# no Python UNO bindings. Uses a throwaway user profile removed at exit.
set -euo pipefail

usage() {
    echo "usage: $0 ENCRYPTED.xlsx PASSWORD_FILE OUT.csv" >&2
    exit 2
}
die() {
    echo "libreoffice-open: $*" >&2
    exit 1
}

[[ $# -eq 3 ]] || usage
in_file=$1
pw_file=$2
out_file=$3

soffice_bin=""
for cand in soffice libreoffice; do
    if command -v "$cand" >/dev/null 2>&1; then
        soffice_bin=$(command -v "$cand")
        break
    fi
done
if [[ -z $soffice_bin ]]; then
    echo "libreoffice-open: LibreOffice (soffice/libreoffice) not found in PATH; skipping" >&2
    exit 77
fi

[[ -f $in_file && -r $in_file ]] || die "input file not found or unreadable: $in_file"
[[ -f $pw_file && -r $pw_file ]] || die "password file not found or unreadable: $pw_file"

# Absolute paths (the macro converts them to file URLs with ConvertToURL).
abspath() {
    local d b
    d=$(dirname -- "$1")
    b=$(basename -- "$1")
    d=$(cd -- "$d" && pwd -P) || return 1
    printf '%s/%s\n' "$d" "$b"
}
in_abs=$(abspath "$in_file") || die "cannot resolve path: $in_file"
pw_abs=$(abspath "$pw_file") || die "cannot resolve path: $pw_file"
out_abs=$(abspath "$out_file") || die "output directory does not exist: $out_file"

timeout_secs=${LIBREOFFICE_OPEN_TIMEOUT:-120}

work=$(mktemp -d "${TMPDIR:-/tmp}/lo-open.XXXXXXXX")
cleanup() { rm -rf -- "$work"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

profile="$work/profile"
status_file="$work/status"
tmp_out="$work/out.csv"
log_file="$work/soffice.log"

# --- Throwaway profile with our Basic macro in "My Macros & Dialogs/Standard".
basic="$profile/user/basic"
mkdir -p "$basic/Standard"
cat >"$basic/script.xlc" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:libraries PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "libraries.dtd">
<library:libraries xmlns:library="http://openoffice.org/2000/library" xmlns:xlink="http://www.w3.org/1999/xlink">
 <library:library library:name="Standard" xlink:href="$(USER)/basic/Standard/script.xlb/" xlink:type="simple" library:link="false"/>
</library:libraries>
EOF
cat >"$basic/dialog.xlc" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:libraries PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "libraries.dtd">
<library:libraries xmlns:library="http://openoffice.org/2000/library" xmlns:xlink="http://www.w3.org/1999/xlink">
 <library:library library:name="Standard" xlink:href="$(USER)/basic/Standard/dialog.xlb/" xlink:type="simple" library:link="false"/>
</library:libraries>
EOF
cat >"$basic/Standard/script.xlb" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" library:readonly="false" library:passwordprotected="false">
 <library:element library:name="PiiGuardOpen"/>
</library:library>
EOF
cat >"$basic/Standard/dialog.xlb" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" library:readonly="false" library:passwordprotected="false"/>
EOF

# Basic source; XML-escaped below before being wrapped in the .xba module.
read -r -d '' basic_src <<'EOF' || true
Option Explicit

Sub WriteStatus(sPath As String, sText As String)
    Dim oSFA As Object, oOut As Object, oText As Object
    On Error Resume Next
    oSFA = CreateUnoService("com.sun.star.ucb.SimpleFileAccess")
    If oSFA.exists(ConvertToURL(sPath)) Then oSFA.kill(ConvertToURL(sPath))
    oOut = oSFA.openFileWrite(ConvertToURL(sPath))
    oText = CreateUnoService("com.sun.star.io.TextOutputStream")
    oText.setOutputStream(oOut)
    oText.setEncoding("UTF-8")
    oText.writeString(sText & Chr(10))
    oText.closeOutput()
End Sub

Function ReadFirstLine(sPath As String) As String
    Dim oSFA As Object, oIn As Object, oText As Object, s As String
    oSFA = CreateUnoService("com.sun.star.ucb.SimpleFileAccess")
    oIn = oSFA.openFileRead(ConvertToURL(sPath))
    oText = CreateUnoService("com.sun.star.io.TextInputStream")
    oText.setInputStream(oIn)
    oText.setEncoding("UTF-8")
    s = ""
    If Not oText.isEOF() Then s = oText.readLine()
    oText.closeInput()
    ' (Basic's And does not short-circuit, hence the nested checks.)
    Do While Len(s) > 0
        If Right(s, 1) <> Chr(13) And Right(s, 1) <> Chr(10) Then Exit Do
        s = Left(s, Len(s) - 1)
    Loop
    ' Strip a UTF-8 BOM if present.
    If Len(s) > 0 Then
        If Asc(Left(s, 1)) = 65279 Then s = Mid(s, 2)
    End If
    ReadFirstLine = s
End Function

Sub Main
    Dim sIn As String, sPw As String, sOut As String, sStatus As String
    Dim sStage As String
    Dim oDoc As Object
    Dim aLoad(2) As New com.sun.star.beans.PropertyValue
    Dim aStore(2) As New com.sun.star.beans.PropertyValue

    sStatus = Environ("LO_OPEN_STATUS")
    On Error GoTo Failed

    sStage = "read environment"
    sIn = Environ("LO_OPEN_IN")
    sOut = Environ("LO_OPEN_OUT")

    sStage = "read password file"
    sPw = ReadFirstLine(Environ("LO_OPEN_PWFILE"))

    sStage = "open document"
    aLoad(0).Name = "Hidden"
    aLoad(0).Value = True
    aLoad(1).Name = "Password"
    aLoad(1).Value = sPw
    aLoad(2).Name = "ReadOnly"
    aLoad(2).Value = True
    ' No InteractionHandler: a wrong password makes loading fail instead of prompting.
    oDoc = StarDesktop.loadComponentFromURL(ConvertToURL(sIn), "_blank", 0, aLoad())
    sPw = ""
    If IsNull(oDoc) Then
        WriteStatus(sStatus, "ERR cannot open document (wrong password or unreadable file)")
        GoTo Finish
    End If
    If Not HasUnoInterfaces(oDoc, "com.sun.star.sheet.XSpreadsheetDocument") Then
        WriteStatus(sStatus, "ERR document is not a spreadsheet")
        GoTo Finish
    End If

    sStage = "select first sheet"
    On Error Resume Next
    oDoc.getCurrentController().setActiveSheet(oDoc.getSheets().getByIndex(0))
    On Error GoTo Failed

    sStage = "export CSV"
    aStore(0).Name = "FilterName"
    aStore(0).Value = "Text - txt - csv (StarCalc)"
    aStore(1).Name = "FilterOptions"
    aStore(1).Value = "44,34,76,1"
    aStore(2).Name = "Overwrite"
    aStore(2).Value = True
    oDoc.storeToURL(ConvertToURL(sOut), aStore())
    WriteStatus(sStatus, "OK")
    GoTo Finish

Failed:
    sPw = ""
    If sStage = "open document" Then
        WriteStatus(sStatus, "ERR cannot open document (wrong password or unreadable file): " & Error$)
    Else
        WriteStatus(sStatus, "ERR " & sStage & ": " & Error$ & " (Basic error " & Err & ")")
    End If
    Resume Finish

Finish:
    On Error Resume Next
    If Not IsNull(oDoc) And Not IsEmpty(oDoc) Then oDoc.close(True)
    StarDesktop.terminate()
End Sub
EOF

{
    printf '%s\n' '<?xml version="1.0" encoding="UTF-8"?>'
    printf '%s\n' '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">'
    printf '%s' '<script:module xmlns:script="http://openoffice.org/2000/script" script:name="PiiGuardOpen" script:language="StarBasic">'
    printf '%s\n' "$basic_src" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e "s/'/\&apos;/g" -e 's/"/\&quot;/g'
    printf '%s\n' '</script:module>'
} >"$basic/Standard/PiiGuardOpen.xba"

# Skip the first-start wizard and crash-restore UI in the fresh profile.
cat >"$profile/user/registrymodifications.xcu" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/Office"><prop oor:name="ooSetupInstCompleted" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="ShowTipOfTheDay" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Recovery/AutoSave"><prop oor:name="Enabled" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Recovery/RecoveryInfo"><prop oor:name="Enabled" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
EOF

# Percent-encode a path for a file:// URL (LibreOffice hangs/fails on raw spaces etc.).
file_url() {
    local LC_ALL=C s=$1 out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [A-Za-z0-9/._~-]) out+=$c ;;
            *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf 'file://%s\n' "$out"
}
profile_url=$(file_url "$profile")

mkdir -p "$work/home"
rc=0
(
    # Isolate from the caller's session: private HOME, no display.
    export HOME="$work/home"
    export XDG_CONFIG_HOME="$work/home/.config" XDG_CACHE_HOME="$work/home/.cache"
    export SAL_USE_VCLPLUGIN=svp
    unset DISPLAY WAYLAND_DISPLAY SESSION_MANAGER
    export LO_OPEN_IN="$in_abs" LO_OPEN_PWFILE="$pw_abs" LO_OPEN_OUT="$tmp_out" LO_OPEN_STATUS="$status_file"
    exec timeout -k 10 "$timeout_secs" "$soffice_bin" \
        "-env:UserInstallation=$profile_url" \
        --headless --invisible --nologo --norestore --nodefault --nolockcheck --nofirststartwizard \
        "macro:///Standard.PiiGuardOpen.Main"
) </dev/null >"$log_file" 2>&1 || rc=$?

if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    die "LibreOffice timed out after ${timeout_secs}s opening $in_file"
fi

status=""
# UNO exception texts span several lines; flatten them into one message.
[[ -f $status_file ]] && status=$(tr -s '\r\n\t' '   ' <"$status_file" | sed 's/ *$//')

if [[ $status != OK ]]; then
    msg=${status#ERR }
    [[ -n $msg ]] || msg="macro did not report a result (soffice exit code $rc)"
    # Show soffice's own output (minus the harmless javaldx warning) for debugging.
    if grep -qv 'failed to launch javaldx' "$log_file" 2>/dev/null; then
        echo "libreoffice-open: soffice output:" >&2
        grep -v 'failed to launch javaldx' "$log_file" | sed 's/^/  /' >&2
    fi
    die "failed to open $in_file: $msg"
fi
[[ -f $tmp_out ]] || die "LibreOffice reported success but produced no CSV"

mv -f -- "$tmp_out" "$out_abs" || die "cannot write $out_file"
exit 0
