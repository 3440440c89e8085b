; Registers clinicdesk:// for the installing user (HKCU: the installer is per user), so registration and
; payment links open ClinicDesk even before its first start; removed again on uninstall. The app also
; registers itself at run time (app.setAsDefaultProtocolClient).
!macro customInstall
  WriteRegStr HKCU "Software\Classes\clinicdesk" "" "URL:ClinicDesk"
  WriteRegStr HKCU "Software\Classes\clinicdesk" "URL Protocol" ""
  WriteRegStr HKCU "Software\Classes\clinicdesk\DefaultIcon" "" "$INSTDIR\${APP_EXECUTABLE_FILENAME},0"
  WriteRegStr HKCU "Software\Classes\clinicdesk\shell\open\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" "%1"'
!macroend

!macro customUnInstall
  DeleteRegKey HKCU "Software\Classes\clinicdesk"
!macroend
