using EncryptionTools.Engine.Compliance;

namespace EncryptionTools.Tests.Compliance;

/// <summary>
/// .NET's <c>$</c> also matches before a final line feed, so a key id ending in one once passed as a bare word and
/// split a remediation command in two (found by RemediationQuotingTests' property run).
/// </summary>
public class QuotingEdgeTests
{
    [Theory]
    [InlineData("Gx\n")]
    [InlineData("alias/app\n")]
    [InlineData("1b4e28ba-2fa1-11d2-883f-0016d3cca427\n")]
    public void A_word_ending_in_a_line_feed_is_quoted(string text)
    {
        var rendered = PowerShellQuoting.Argument(text);
        Assert.NotEqual(text, rendered);
        Assert.DoesNotContain('\n', rendered);
    }

    [Theory]
    [InlineData("alias/app")]
    [InlineData("1b4e28ba-2fa1-11d2-883f-0016d3cca427")]
    public void A_plain_word_stays_bare(string text) => Assert.Equal(text, PowerShellQuoting.Argument(text));
}
