package io.sluice.broker.security;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsResponse;
import org.apache.kafka.common.requests.DescribeAclsRequest;
import org.apache.kafka.common.requests.DescribeAclsResponse;
import org.apache.kafka.server.authorizer.AclCreateResult;
import org.apache.kafka.server.authorizer.AclDeleteResult;
import org.apache.kafka.server.authorizer.Authorizer;

/**
 * CreateAcls, DescribeAcls and DeleteAcls (v0-3, as Kafka 3.9 serves them) over the configured authorizer; without
 * one they are answered {@code SECURITY_DISABLED}. Who may call them (ALTER, DESCRIBE, ALTER on the cluster) is the
 * gates' business ({@link RequestGates}).
 *
 * <p>Thread-safety: stateless over a thread-safe authorizer. The authorizer writes ZooKeeper, so the handlers block.
 */
public final class AclApis {
    private AclApis() {}

    /** The three handlers over {@code auth}'s authorizer. */
    public static List<ApiHandler<?>> handlers(RequestAuthorizer auth) {
        return List.of(new CreateAcls(auth), new DescribeAcls(auth), new DeleteAcls(auth));
    }

    private abstract static class AclHandler<Req extends ApiMessage> implements ApiHandler<Req> {
        final RequestAuthorizer auth;
        private final ApiKeys key;

        AclHandler(RequestAuthorizer auth, ApiKeys key) {
            this.auth = auth;
            this.key = key;
        }

        @Override
        public ApiKeys apiKey() {
            return key;
        }

        @Override
        public short minVersion() {
            return 0;
        }

        @Override
        public short maxVersion() {
            return 3;
        }

        @Override
        public CompletionStage<ApiResponse> handle(RequestContext context, Req request) {
            if (auth.authorizer().isEmpty()) {
                return GatedHandler.refuse(context, request, Errors.SECURITY_DISABLED);
            }
            return answer(context, request, auth.authorizer().get());
        }

        abstract CompletionStage<ApiResponse> answer(RequestContext context, Req request, Authorizer authorizer);
    }

    private static final class CreateAcls extends AclHandler<CreateAclsRequestData> {
        CreateAcls(RequestAuthorizer auth) {
            super(auth, ApiKeys.CREATE_ACLS);
        }

        @Override
        CompletionStage<ApiResponse> answer(RequestContext context, CreateAclsRequestData request, Authorizer a) {
            List<AclBinding> bindings = new ArrayList<>();
            for (CreateAclsRequestData.AclCreation creation : request.creations()) {
                bindings.add(CreateAclsRequest.aclBinding(creation));
            }
            List<? extends CompletionStage<AclCreateResult>> results =
                    a.createAcls(RequestAuthorizer.adapt(context), bindings);
            CompletableFuture<?>[] all =
                    results.stream().map(CompletionStage::toCompletableFuture).toArray(CompletableFuture[]::new);
            return CompletableFuture.allOf(all).thenApply(done -> {
                CreateAclsResponseData response = new CreateAclsResponseData();
                for (CompletionStage<AclCreateResult> stage : results) {
                    AclCreateResult result = stage.toCompletableFuture().join();
                    ApiError error =
                            result.exception().map(ApiError::fromThrowable).orElse(ApiError.NONE);
                    response.results()
                            .add(new CreateAclsResponseData.AclCreationResult()
                                    .setErrorCode(error.error().code())
                                    .setErrorMessage(error.message()));
                }
                return ApiResponse.of(response);
            });
        }
    }

    private static final class DescribeAcls extends AclHandler<DescribeAclsRequestData> {
        DescribeAcls(RequestAuthorizer auth) {
            super(auth, ApiKeys.DESCRIBE_ACLS);
        }

        @Override
        CompletionStage<ApiResponse> answer(RequestContext context, DescribeAclsRequestData request, Authorizer a) {
            AclBindingFilter filter = DescribeAclsRequest.parse(
                            MessageUtil.toByteBuffer(request, context.apiVersion()), context.apiVersion())
                    .filter();
            DescribeAclsResponseData response =
                    new DescribeAclsResponseData().setResources(DescribeAclsResponse.aclsResources(a.acls(filter)));
            return CompletableFuture.completedFuture(ApiResponse.of(response));
        }
    }

    private static final class DeleteAcls extends AclHandler<DeleteAclsRequestData> {
        DeleteAcls(RequestAuthorizer auth) {
            super(auth, ApiKeys.DELETE_ACLS);
        }

        @Override
        CompletionStage<ApiResponse> answer(RequestContext context, DeleteAclsRequestData request, Authorizer a) {
            List<AclBindingFilter> filters = DeleteAclsRequest.parse(
                            MessageUtil.toByteBuffer(request, context.apiVersion()), context.apiVersion())
                    .filters();
            List<? extends CompletionStage<AclDeleteResult>> results =
                    a.deleteAcls(RequestAuthorizer.adapt(context), filters);
            CompletableFuture<?>[] all =
                    results.stream().map(CompletionStage::toCompletableFuture).toArray(CompletableFuture[]::new);
            return CompletableFuture.allOf(all).thenApply(done -> {
                DeleteAclsResponseData response = new DeleteAclsResponseData();
                for (CompletionStage<AclDeleteResult> stage : results) {
                    response.filterResults()
                            .add(DeleteAclsResponse.filterResult(
                                    stage.toCompletableFuture().join()));
                }
                return ApiResponse.of(response);
            });
        }
    }
}
