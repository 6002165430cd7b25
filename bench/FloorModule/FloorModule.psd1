@{
    ModuleVersion     = '1.0.0'
    GUID              = '6f1d2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b'
    RootModule        = 'FloorModule.dll'
    PowerShellVersion = '7.4'
    FormatsToProcess  = @('FloorModule.Format.ps1xml')
    CmdletsToExport   = @('Get-FloorItem')
    FunctionsToExport = @()
    AliasesToExport   = @()
    VariablesToExport = @()
}
