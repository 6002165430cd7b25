namespace EncryptionTools.Tests.Cli;

/// <summary>`enctools compliance` on a file under an AWS KMS key: the fix is the AWS CLI call, labelled as a shell fix.</summary>
public class CliKmsComplianceTests
{
    [Fact]
    public void A_file_under_a_disabled_kms_key_gets_the_aws_cli_fix_as_a_shell_line()
    {
        using var dir = new TempDir();
        var env = KmsCli.Env(dir);
        var arn = KmsCli.Endpoint.CreateKey();
        var plain = dir.Write("a.txt", "secret"u8.ToArray());
        var encrypted = KmsCli.Run(env, "encrypt", plain, "--key", arn, "--in-place");
        Assert.True(encrypted.Code == 0, encrypted.Err);
        KmsCli.Endpoint.Disable(arn);

        var r = KmsCli.Run(env, "compliance", dir.Path);
        Assert.Contains("ET1011", r.Out);
        Assert.Contains($"  fix: aws kms enable-key --key-id {arn} --region us-east-1", r.Out);
        Assert.DoesNotContain("fix (PowerShell): aws", r.Out);
    }
}
