"""The graph slice endpoint: /api/graph/slice/?author=<slug> (or ?work=<arXiv id>, ?topic=<code>)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bzpeer.page_cache import cached_for_visitors
from graph.selectors import graph_slice
from graph.slicing import DEFAULT_LIMIT, EDGE_KINDS, MAX_DEPTH, MAX_LIMIT, MIN_LIMIT, NODE_KINDS


class SliceQuerySerializer(serializers.Serializer):
    author = serializers.CharField(required=False, max_length=320, help_text="Author record slug.")
    work = serializers.CharField(
        required=False, max_length=60, help_text="arXiv id, e.g. 2101.04061."
    )
    topic = serializers.CharField(
        required=False, max_length=40, help_text="arXiv category, e.g. astro-ph.GA."
    )
    depth = serializers.IntegerField(required=False, default=1, min_value=1, max_value=MAX_DEPTH)
    limit = serializers.IntegerField(
        required=False,
        default=DEFAULT_LIMIT,
        min_value=MIN_LIMIT,
        max_value=MAX_LIMIT,
        help_text="Most nodes in the slice, the centre included.",
    )

    def validate(self, data: dict) -> dict:
        given = [name for name in ("author", "work", "topic") if data.get(name)]
        if len(given) != 1:
            raise serializers.ValidationError(
                "Give exactly one centre: ?author=<slug>, ?work=<arXiv id> or ?topic=<code>."
                + (f" Got {', '.join(given)}." if given else "")
            )
        return data


class ExpandSerializer(serializers.Serializer):
    param = serializers.CharField(source="expand_param", help_text="author, work or topic")
    value = serializers.CharField(source="expand_value")


class NodeSerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=NODE_KINDS)
    label = serializers.CharField()
    url = serializers.CharField(
        allow_blank=True, help_text="The node's page; empty for institutions."
    )
    depth = serializers.IntegerField(help_text="0 for the centre, then 1 or 2 hops.")
    weight = serializers.IntegerField(
        help_text="Shared works (people), works (topics, institutions)."
    )
    year = serializers.IntegerField(allow_null=True)
    expand = serializers.SerializerMethodField(help_text="Query parameters centring a slice on it.")

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_expand(self, node) -> dict | None:
        if not node.expand_param:
            return None
        return {node.expand_param: node.expand_value}


class EdgeSerializer(serializers.Serializer):
    source = serializers.CharField()
    target = serializers.CharField()
    kind = serializers.ChoiceField(choices=EDGE_KINDS)
    weight = serializers.IntegerField()


class SliceSerializer(serializers.Serializer):
    centre = NodeSerializer()
    depth = serializers.IntegerField()
    limit = serializers.IntegerField()
    nodes = NodeSerializer(many=True)
    edges = EdgeSerializer(many=True)
    left_out = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Neighbours ranked out by the cap, per node kind.",
    )
    left_out_total = serializers.IntegerField()


class GraphSliceApi(APIView):
    """The research graph around an author record, a work or a topic: people, papers, topics and
    institutions, most relevant first, capped at `limit` nodes with the count of what was left out."""

    @extend_schema(parameters=[SliceQuerySerializer], responses=SliceSerializer)
    @cached_for_visitors("graph-slice")
    def get(self, request: Request) -> Response:
        query = SliceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        graph = graph_slice(**query.validated_data)
        return Response(SliceSerializer(graph).data)
