@{
    # The version here is the only one: Directory.Build.props reads it for every assembly.
    ModuleVersion        = '0.1.0'
    GUID                 = 'bd6a38f4-2bcc-46e6-8cf0-64a2e699384d'
    RootModule           = 'EncryptionTools.dll'
    Author               = 'EncryptionTools contributors'
    CompanyName          = 'EncryptionTools'
    Copyright            = '(c) EncryptionTools contributors. MIT License.'
    Description          = 'KMS-style master keys in a local encrypted key store, and envelope encryption of files in the AWS Encryption SDK message format (v2, committing suites).'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('EncryptionTools.Format.ps1xml')
    # No TypesToProcess: loading a types file costs every import ~13 ms of PowerShell's own first-use work. The views
    # cover display; the LiteralPath alias of file results is an instance member (PSObjects.WithLiteralPath).
    CmdletsToExport      = @(
        'Backup-EncKeyStore',
        'Disable-EncKey',
        'Enable-EncKey',
        'Export-EncKey',
        'Get-EncAuditEvent',
        'Get-EncFileInfo',
        'Get-EncKey',
        'Get-EncKeyAlias',
        'Get-EncKeyGrant',
        'Get-EncKeyPolicy',
        'Get-EncKeyRotation',
        'Get-EncKeyStore',
        'Grant-EncKeyAccess',
        'Import-EncKey',
        'Invoke-EncKeyRotation',
        'Lock-EncKeyStore',
        'New-EncDataKey',
        'New-EncKey',
        'New-EncKeyAlias',
        'New-EncKeyStore',
        'Protect-EncData',
        'Protect-File',
        'Remove-EncKey',
        'Remove-EncKeyAlias',
        'Remove-EncKeyGrant',
        'Restore-EncKey',
        'Restore-EncKeyStore',
        'Revoke-EncKeyAccess',
        'Set-EncKey',
        'Set-EncKeyAlias',
        'Set-EncKeyPolicy',
        'Set-EncKeyStore',
        'Test-EncAuditLog',
        'Test-EncKeyAccess',
        'Test-EncryptionCompliance',
        'Unlock-EncKeyStore',
        'Unprotect-EncData',
        'Unprotect-File',
        'Update-EncData',
        'Update-EncFileKey'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Encryption', 'KMS', 'AES-GCM', 'EnvelopeEncryption', 'AWSEncryptionSDK', 'Security', 'Compliance', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/encryptiontools/EncryptionTools'
            LicenseUri   = 'https://github.com/encryptiontools/EncryptionTools/blob/main/LICENSE'
            ReleaseNotes = '0.1.0: the streaming envelope engine (AWS Encryption SDK message format v2, suite 0x0478) and the module skeleton.'
        }
    }
}
