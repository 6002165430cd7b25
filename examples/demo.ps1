#Requires -Version 7.4
# The whole story in one script: a key with an alias, a folder encrypted with an encryption context, decrypt-only
# access for another principal, rotation with rewrap, a compliance check and the audit trail. Uses a throwaway store.
param([string] $Grantee = $(if ($IsWindows) { "user:$([Environment]::UserName)" } else { 'user:nobody' }))
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../out/EncryptionTools/EncryptionTools.psd1')
$work = Join-Path ([IO.Path]::GetTempPath()) "et-demo-$PID"
foreach ($c in '*-Enc*:StorePath', '*-File:StorePath', 'Test-EncryptionCompliance:StorePath') { $PSDefaultParameterValues[$c] = "$work/store" }
New-Item -ItemType Directory "$work/hr" -Force | Out-Null
1..3 | ForEach-Object { Set-Content "$work/hr/payslip-$_.csv" "employee,amount`n$_,$(1000 * $_)" }

# 1. A master key with an alias, rotating yearly.
$key = New-EncKey -Alias alias/payroll -Description 'Payroll exports' -RotationEnabled
# 2. Encrypt the folder, bound to dept=hr; the plaintext is replaced only after the ciphertext verifies.
Get-ChildItem "$work/hr" -File | Protect-File -KeyId alias/payroll -EncryptionContext @{ dept = 'hr' } -InPlace |
    Format-Table Source, Action, EncryptionContext
# 3. Decrypt-only access for another principal, and only for dept=hr.
$grant = Grant-EncKeyAccess -KeyId alias/payroll -GranteePrincipal $Grantee -Operation Decrypt -EncryptionContextSubset @{ dept = 'hr' }
Test-EncKeyAccess -KeyId alias/payroll -Principal $Grantee -Action kms:Decrypt -EncryptionContext @{ dept = 'it' } | Format-List
# 4. Rotate, then rewrap every file to the new version (header only: the bodies are untouched).
Invoke-EncKeyRotation -KeyId alias/payroll -LiteralPath (Get-ChildItem "$work/hr" -File).FullName -Rewrap -Confirm:$false | Out-Null
Get-EncFileInfo -Path "$work/hr/*" | Format-Table Path, EncryptionContext
# 5. Compliance: every file encrypted, keys rotating, no open policies.
Test-EncryptionCompliance -Path "$work/hr" -Recurse -IncludeStore -Summary | Format-Table
# 6. The audit trail of everything above.
Get-EncAuditEvent -KeyId $key.KeyId | Format-Table Time, Principal, Action, Result
$grant | Revoke-EncKeyAccess -Confirm:$false
Remove-Item $work -Recurse -Force
