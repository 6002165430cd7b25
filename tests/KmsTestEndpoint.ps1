# Dot-sourced by the Pester files that use AWS KMS keys: the KMS-API endpoint on loopback (test.sh starts
# tests/kms/kms_server.py and exports ENCTOOLS_TEST_KMS_ENDPOINT; without it one is started here), the session's AWS
# settings pointed at it (saved, and put back by Restore-KmsTestEnvironment), and helpers that make keys and aliases
# with the KMS JSON API over plain HTTP (the endpoint checks no signature; the module has no KMS admin cmdlets).

function Start-KmsTestEnvironment([string[]] $AlsoClear = @()) {
    $script:kmsServer = $null
    $endpoint = $env:ENCTOOLS_TEST_KMS_ENDPOINT
    if (-not $endpoint) {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start()
        $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $script:kmsServer = Start-Process python3 -ArgumentList (Join-Path $PSScriptRoot 'kms/kms_server.py'), '-H', '127.0.0.1', '-p', $port -PassThru `
            -RedirectStandardOutput ([IO.Path]::GetTempFileName()) -RedirectStandardError ([IO.Path]::GetTempFileName())
        $endpoint = "http://127.0.0.1:$port"
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ($true) {
            try { Invoke-RestMethod "$endpoint/moto-api/data.json" -TimeoutSec 1 | Out-Null; break }
            catch { if ([DateTime]::UtcNow -gt $deadline -or $script:kmsServer.HasExited) { throw "The local KMS endpoint (tests/kms/kms_server.py, moto) did not start: $_" }; Start-Sleep -Milliseconds 200 }
        }
    }
    $script:endpoint = $endpoint.TrimEnd('/')

    $script:savedEnv = @{}
    $settings = @{
        AWS_ENDPOINT_URL_KMS = $script:endpoint; AWS_ACCESS_KEY_ID = 'testing'; AWS_SECRET_ACCESS_KEY = 'testing'
        AWS_REGION = 'us-east-1'; AWS_DEFAULT_REGION = 'us-east-1'; AWS_EC2_METADATA_DISABLED = 'true'
        AWS_SESSION_TOKEN = $null; AWS_PROFILE = $null; AWS_ENDPOINT_URL = $null
    }
    foreach ($name in $AlsoClear) { $settings[$name] = $null }
    foreach ($name in $settings.Keys) {
        $script:savedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $settings[$name])
    }
}

function Restore-KmsTestEnvironment {
    foreach ($name in $script:savedEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $script:savedEnv[$name]) }
    if ($script:kmsServer) { Stop-Process -Id $script:kmsServer.Id -ErrorAction Ignore }
}

function Invoke-Kms([string] $Operation, [hashtable] $Body) {
    Invoke-RestMethod -Method Post -Uri "$script:endpoint/" -Body ($Body | ConvertTo-Json -Compress) -ContentType 'application/x-amz-json-1.1' -Headers @{
        'X-Amz-Target'  = "TrentService.$Operation"
        'Authorization' = 'AWS4-HMAC-SHA256 Credential=testing/20261205/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=0'
    }
}

function New-KmsKey([string] $Description = 'EncryptionTools Pester key') { (Invoke-Kms CreateKey @{ Description = $Description }).KeyMetadata.Arn }

function KeyIdOf([string] $Arn) { ($Arn -split ':key/')[1] }

# An alias for the key (made, or moved when it exists); its alias ARN.
function Set-KmsAlias([string] $KeyArn, [string] $AliasName) {
    $body = @{ AliasName = $AliasName; TargetKeyId = (KeyIdOf $KeyArn) }
    try { Invoke-Kms CreateAlias $body | Out-Null } catch { Invoke-Kms UpdateAlias $body | Out-Null }
    "arn:aws:kms:us-east-1:123456789012:$AliasName"
}
