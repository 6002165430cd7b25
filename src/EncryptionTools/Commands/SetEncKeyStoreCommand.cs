using System.Management.Automation;
using System.Security;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Sets how the store's root key is protected (File, Dpapi, Password, AwsKms) and sets, changes or removes the password
/// or the AWS KMS key. Every change generates a new root key and re-seals the store under it (no key is lost; an old
/// copy of the previous root key file, password wrap or KMS wrap no longer opens the store). The current password is required to change or
/// remove one. The store must exist: New-EncKeyStore creates one.
/// </summary>
[Cmdlet(VerbsCommon.Set, "EncKeyStore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = HelpLinks.DocsBase + "Set-EncKeyStore.md")]
[OutputType(typeof(EncKeyStoreInfo))]
public sealed class SetEncKeyStoreCommand : KeyStoreCmdlet
{
    [Parameter]
    public StoreProtection? Protection { get; set; }

    /// <summary>The new password (password mode).</summary>
    [Parameter]
    public SecureString? Password { get; set; }

    /// <summary>The current password, required when the store has one.</summary>
    [Parameter]
    public SecureString? CurrentPassword { get; set; }

    [Parameter]
    [ValidateRange(600_000, LocalKeyStore.MaxPasswordIterations)]
    public int? PasswordIterations { get; set; }

    /// <summary>The AWS KMS key (key ARN or alias ARN) that wraps the root key; implies -Protection AwsKms.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KmsKeyId { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!IsKmsKeyIdValid(KmsKeyId)) return;
        var mode = Protection ?? (KmsKeyId is not null ? StoreProtection.AwsKms : null);
        var what = mode is { } p ? $"Protect the root key with {p}{(KmsKeyId is null ? "" : " key " + KmsKeyId.Trim())}"
            : Password is not null ? "Set a new store password" : "Re-wrap the root key";
        if (!ShouldProcess(Store.Location, what)) return;
        ForItem(Store.Location, () =>
        {
            var newPassword = Password is null ? null : Passwords.ToChars(Password);
            var currentPassword = CurrentPassword is null ? null : Passwords.ToChars(CurrentPassword);
            try
            {
                var info = Store.SetProtection(new ProtectionChange
                {
                    Protection = Protection,
                    NewPassword = newPassword,
                    CurrentPassword = currentPassword,
                    PasswordIterations = PasswordIterations,
                    KmsKeyId = KmsKeyId?.Trim(),
                });
                if (PassThru) WriteObject(info);
            }
            finally
            {
                Passwords.Clear(newPassword);
                Passwords.Clear(currentPassword);
            }
        });
    }
}
