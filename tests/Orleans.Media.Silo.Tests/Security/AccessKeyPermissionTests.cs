using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Tests.Security;

public sealed class AccessKeyPermissionTests
{
    [Theory]
    [InlineData("imm:*", "project/media-*", "imm:CreateProject", "project/media-1", true)]
    [InlineData("imm:*", "project/media-*", "imm:CreateProject", "project/other", false)]
    [InlineData("imm:*", "project/media-*", "ice:CreateUploadMedia", "project/media-1", false)]
    [InlineData("imm:Get*", "*", "imm:GetTask", "project/x", true)]
    [InlineData("imm:Get*", "*", "imm:ListTasks", "project/x", false)]
    [InlineData("*", "*", "admin:CreateAccessKey", "*", true)]
    [InlineData("imm:GetProject", "project/a", "imm:GetProject", "project/ab", false)]
    [InlineData("*:*Project", "project/*-x-*", "imm:DeleteProject", "project/a-x-b", true)]
    public void Globs_match_action_and_resource(string action, string resource, string wantedAction, string wantedResource, bool allowed) =>
        Assert.Equal(allowed, new AccessKeyPermission(action, resource).Allows(wantedAction, wantedResource));

    [Fact]
    public void Parses_the_cli_form()
    {
        Assert.Equal(new AccessKeyPermission("imm:*", "project/media-*"), AccessKeyPermission.Parse("imm:*@project/media-*"));
        Assert.Equal(new AccessKeyPermission("imm:GetProject", "*"), AccessKeyPermission.Parse("imm:GetProject"));
        Assert.Throws<FormatException>(() => AccessKeyPermission.Parse("@project/x"));
    }

    [Fact]
    public void Principal_checks_project_scope()
    {
        var principal = new ApiPrincipal("k", [new AccessKeyPermission("imm:*", "project/media-*")]);
        Assert.True(principal.IsAllowed("imm:GetProject", "media-1"));
        Assert.False(principal.IsAllowed("imm:GetProject", "finance"));
        Assert.True(principal.IsAllowed("imm:ListProjects", null)); // not project-scoped: the action decides
        Assert.False(principal.IsAllowed("ice:GetMediaInfo", null));
        Assert.False(principal.IsAdmin);
        Assert.True(new ApiPrincipal("a", [AccessKeyPermission.Admin]).IsAdmin);
    }
}
