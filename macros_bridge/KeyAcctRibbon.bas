Attribute VB_Name = "KeyAcctRibbon"
' The one callback of the "Key Accounts" ribbon tab (macros_bridge/customUI14.xml).
' Every button's tag is the name of a Python action in keyacct_xl.macros; RunPython runs it, in the
' warm UDF server when "Use UDF Server" is True on the add-in's xlwings.conf sheet. The Python side
' works on the active workbook (the master), shows progress in the status bar and ends with an alert.
Option Explicit

Public Sub KeyAcctRibbonAction(control As IRibbonControl)
    If ActiveWorkbook Is Nothing Then
        MsgBox "Open the master workbook first.", vbExclamation, "Key Accounts"
        Exit Sub
    End If
    Application.StatusBar = "keyacct-xl: " & control.Tag & " ..."
    RunPython "import keyacct_xl.macros as m; m.run_from_excel('" & control.Tag & "')"
End Sub
